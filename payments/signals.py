"""Domain signals of the payments app, always sent after commit (DESIGN §1): other apps
react without payments importing them (serviceorders: auto-reconnect; autopay: stop
autopay on a return; delinquency: recompute collection status)."""

from django.dispatch import Signal

# `payment_ids: list[int]`, `account_ids: list[int]`: payments frozen (online or bulk).
payment_frozen = Signal()

# `payment_ids: list[int]`, `account_ids: list[int]`, `reason_code: str`: frozen payments
# reversed (payment cancel, tender cancel, transfer).
payment_cancelled = Signal()

# `tender_ids: list[int]`, `account_ids: list[int]` (payor and payees), `reason_code: str`,
# `is_nsf: bool`, `stops_autopay: bool`: tenders cancelled (returned items included).
tender_cancelled = Signal()
