"""Batch jobs of the autopay app (seed 001; README "Batch jobs"), in nightly order:
ach_returns_import -> autopay_create -> autopay_distribute_freeze -> autopay_advance_notices
-> autopay_activate -> autopay_extract_ach -> autopay_balance_controls -> autopay_card_expiry
(-> autopay_refunds_ach, the ACH refund credit file).
Each module registers its jobs."""

from .jobs import creation, extract, notices, refunds, returns  # noqa: F401
