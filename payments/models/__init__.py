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
from .events import Payment, PaymentEvent, PaySegment, ReceiptPrint, Tender

__all__ = [
    "ControlAdjustment",
    "ControlStatus",
    "DepositControl",
    "DistributionCode",
    "DistributionRule",
    "OverpaymentRule",
    "PaySegment",
    "Payment",
    "PaymentCancelReason",
    "PaymentEvent",
    "ReceiptPrint",
    "Tender",
    "TenderCategory",
    "TenderControl",
    "TenderSource",
    "TenderType",
]
