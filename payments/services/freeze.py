"""Freeze: pay segments become FTs and GL lines, atomically (seed 003 steps 2.6, 3.0, 3.1).
`payment_frozen` goes out after commit for the apps that react (auto-reconnect...)."""

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import ServiceAgreement
from accounts.services.ledger import ledger_post_ids
from cis.money import ZERO

from ..exceptions import PaymentError, PaymentStateError
from ..lock_objects import accounts_lock, payment_qs_select_for_update
from ..models import Payment, PaySegment
from ..signals import payment_frozen
from .deferred import deferred_charges_on_freeze
from .distribution import distribution_plan
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
    segments = list(payment.segments.all())
    if segments and not payment.is_manual_distribution:
        segments = _plan_current(payment=payment, segments=segments, user=user)
    return freeze_segments(payment=payment, segments=segments, user=user)


def _plan_current(*, payment: Payment, segments: list[PaySegment], user=None) -> list[PaySegment]:
    """A plan the system made is planned again on the debt as it is now (seed 003 steps
    1.8, 2.7, 2.9; issue 7 item 2): since it was made, a payment transferred or cancelled
    may have brought debt back, another payment may have relieved it, and posting the old
    plan would credit an overpayment while SAs still owe. The stored segments stay when
    the plan is unchanged; a payment that can't be distributed now is refused as it is."""
    fresh = distribution_plan(payment=payment, user=user)
    if payment.status != Payment.Status.INCOMPLETE:
        raise PaymentError(
            f"payment {payment.pk} can't be distributed on the account's debt as it is now "
            f"({payment.error_message}): fix that and distribute it again, or enter its "
            "amounts per SA"
        )
    if {_plan_key(s) for s in fresh} == {_plan_key(s) for s in segments}:
        return segments
    payment.segments.all().delete()
    return fresh


def _plan_key(s: PaySegment) -> tuple:
    return (s.sa_id, s.amount, s.is_overpayment, s.debt_due_date)


def freeze_segments(
    *,
    payment: Payment,
    segments: list[PaySegment],
    user=None,
    receivable_gl: Mapping[int, int] | None = None,
) -> Payment:
    """Post an incomplete payment's pay segments as FTs and freeze it; the caller holds the
    account's lock. Segments not saved yet (a payment distributed and frozen in one go) are
    inserted with their FTs, saving the round trips of writing them twice. `receivable_gl`
    (SA id -> its SA type's receivable GL, as the distribution plan read it in the same
    transaction) saves reading them again."""
    segments = sorted(segments, key=lambda s: s.sa_id)
    total = sum((s.amount for s in segments), ZERO)
    if not segments or total != payment.amount:
        raise PaymentError(
            f"payment {payment.pk} of {payment.amount} has pay segments of {total}: "
            "distribute it first"
        )
    code = payment.distribution_code
    if code:
        receivable = {s.sa_id: code.gl_account_id for s in segments}
    elif receivable_gl is not None and all(s.sa_id in receivable_gl for s in segments):
        receivable = receivable_gl
    else:
        receivable = dict(
            ServiceAgreement.objects.filter(pk__in={s.sa_id for s in segments})
            .order_by()
            .values_list("pk", "sa_type__receivable_gl_id")
        )
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
    if all(s.pk is None for s in segments):
        PaySegment.objects.bulk_create(segments)
    else:
        PaySegment.objects.bulk_update(segments, ["ft"])
    deferred_charges_on_freeze(payment=payment, segments=segments)  # seed 004 items
    payment.freeze(by=user)
    payment.frozen_at = timezone.now()
    payment.save(update_fields=["status", "frozen_at"])
    frozen_announce(payment_ids=[payment.pk], account_ids=[payment.account_id])
    return payment
