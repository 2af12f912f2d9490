"""bill_completed -> autopay at bill completion (seed 001 steps 1.6-2.8).

Sent after the bills' commit, for thousands of bills at once: one service call, a constant
number of queries. A bill already evaluated is left alone, so a second delivery of the
same ids creates nothing. A failure here must not fail the billing that sent the signal
(its bills are committed already): it is logged, and the nightly `autopay_bill_sweep`
evaluates the bills the failure (or a crash before delivery) left out.
"""

import logging

from django.dispatch import receiver

from accounts.signals import bill_completed

from ..services.creation import bills_autopay_evaluate

log = logging.getLogger(__name__)


@receiver(bill_completed, dispatch_uid="autopay_bills_completed")
def autopay_on_bill_completed(sender, bill_ids, **kwargs) -> None:
    try:
        bills_autopay_evaluate(bill_ids=list(bill_ids))
    except Exception:
        log.exception("autopay: bills %s not evaluated; the bill sweep will", list(bill_ids)[:20])
