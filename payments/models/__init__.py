from ..portal.models import WebLogin
from .config import (
    DistributionCode,
    DistributionRule,
    OverpaymentRule,
    PaymentCancelReason,
    TenderCategory,
    TenderSource,
    TenderType,
)
from .controls import ControlAdjustment, ControlStatus, DepositControl, TenderControl
from .deferred import (
    DeferredCharge,
    DeferredChargeEnrollment,
    DeferredChargeServiceOrder,
    DeferredChargeType,
)
from .events import Payment, PaymentEvent, PaySegment, ReceiptPrint, Tender
from .upload import (
    DepositStaging,
    PayAdviceStaging,
    PaymentStaging,
    StagingStatus,
    TenderStaging,
    UploadException,
    UploadFile,
    UploadFormat,
)

__all__ = [
    "ControlAdjustment",
    "ControlStatus",
    "DeferredCharge",
    "DeferredChargeEnrollment",
    "DeferredChargeServiceOrder",
    "DeferredChargeType",
    "DepositControl",
    "DepositStaging",
    "DistributionCode",
    "DistributionRule",
    "OverpaymentRule",
    "PayAdviceStaging",
    "PaySegment",
    "Payment",
    "PaymentCancelReason",
    "PaymentEvent",
    "PaymentStaging",
    "ReceiptPrint",
    "StagingStatus",
    "Tender",
    "TenderCategory",
    "TenderControl",
    "TenderSource",
    "TenderStaging",
    "TenderType",
    "UploadException",
    "UploadFile",
    "UploadFormat",
    "WebLogin",
]
