from .config import (
    DistributionCode,
    DistributionRule,
    OverpaymentRule,
    PaymentCancelReason,
    TenderCategory,
    TenderSource,
    TenderType,
)
from .controls import ControlStatus, DepositControl, TenderControl
from .events import Payment, PaymentEvent, PaySegment, ReceiptPrint, Tender

__all__ = [
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
