"""Freeze: pay segments become FTs and GL lines, atomically (seed 003 steps 2.6, 3.0, 3.1).
`payment_frozen` goes out after commit for the apps that react (auto-reconnect...)."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.services.ledger import ledger_post_ids
from cis.money import ZERO

from ..exceptions import PaymentError, PaymentStateError
from ..lock_objects import accounts_lock, payment_qs_select_for_update
from ..models import Payment, PaySegment
from ..signals import payment_frozen
from .planning import segment_postings


def payment_description(*, payment_date: date, non_cis_code: str = "") -> str:
    """The FT description of a pay segment (the same on the online and the bulk path)."""
    suffix = f" (non-CIS {non_cis_code})" if non_cis_code else ""
    return f"Payment {payment_date:%m/%d/%Y}{suffix}"


def frozen_announce(*, payment_ids: list[int], account_ids: list[int]) -> None:
    transaction.on_commit(
        lambda: payment_frozen.send(
            sender=Payment, payment_ids=payment_ids, account_ids=sorted(set(account_ids))
        )
    )


@transaction.atomic
def payment_freeze(*, payment: Payment, user=None) -> Payment:
    """Post a distributed payment. Exactly one of two racing freezes (or a freeze racing a
    cancel) wins: both lock the account first, the loser then finds the payment frozen."""
    accounts_lock([payment.account_id])
    payment = (
        payment_qs_select_for_update()
        .select_related("event__tender_source", "distribution_code")
        .get(pk=payment.pk)
    )
    if payment.status != Payment.Status.INCOMPLETE:
        detail = f": {payment.error_message}" if payment.error_message else ""
        raise PaymentStateError(f"payment {payment.pk} is {payment.status}{detail}")
    segments = list(payment.segments.select_related("sa__sa_type").order_by("sa_id"))
    total = sum((s.amount for s in segments), ZERO)
    if not segments or total != payment.amount:
        raise PaymentError(
            f"payment {payment.pk} of {payment.amount} has pay segments of {total}: "
            "distribute it first"
        )
    code = payment.distribution_code
    receivable = {
        s.sa_id: code.gl_account_id if code else s.sa.sa_type.receivable_gl_id for s in segments
    }
    postings = segment_postings(
        account_id=payment.account_id,
        segments=[(s.sa_id, s.amount) for s in segments],
        accounting_date=payment.accounting_date,
        cash_gl_id=payment.event.tender_source.cash_gl_id,
        receivable_gl=receivable,
        description=payment_description(
            payment_date=payment.event.payment_date, non_cis_code=code.code if code else ""
        ),
    )
    for segment, ft_id in zip(segments, ledger_post_ids(postings=postings), strict=True):
        segment.ft_id = ft_id
    PaySegment.objects.bulk_update(segments, ["ft"])
    payment.freeze(by=user)
    payment.frozen_at = timezone.now()
    payment.save(update_fields=["status", "frozen_at"])
    frozen_announce(payment_ids=[payment.pk], account_ids=[payment.account_id])
    return payment
