"""Cancel a payment, cancel a tender (NSF), return a payment in one step
(seed 003 steps 3.8-4.5)."""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, FinancialTransaction, ServiceAgreement
from accounts.services.adjustments import adjustment_create
from accounts.services.ledger import ledger_post_ids, reversal_postings
from accounts.services.work import credit_event_add, todo_create
from cis.money import ZERO

from ..exceptions import PaymentError, PaymentStateError
from ..lock_objects import (
    accounts_lock,
    event_qs_select_for_update,
    payment_qs_select_for_update,
    tender_qs_select_for_update,
)
from ..models import Payment, PaymentCancelReason, PaymentEvent, PaySegment, Tender
from ..signals import payment_cancelled, tender_cancelled
from .controls import control_cancellation_record
from .deferred import deferred_charges_reverse


def payments_reverse(
    *,
    payments: Sequence[Payment],
    reason: PaymentCancelReason,
    comment: str = "",
    user=None,
    accounting_date: date | None = None,
) -> None:
    """Cancel locked payments: a frozen one's FTs are reversed by cancellation FTs
    (seed 003 step 4.0), an unfrozen one just ends. The caller holds the locks."""
    day = accounting_date or timezone.localdate()
    frozen = [p for p in payments if p.status == Payment.Status.FROZEN]
    segments = list(
        PaySegment.objects.filter(payment__in=frozen).select_related("ft").order_by("pk")
    )
    postings = [
        # The reversal reopens the debt the payment relieved, as old as it was, so aging and
        # collection see a returned payment's debt past due again.
        dataclasses.replace(posting, arrears_date=segment.debt_due_date)
        for segment, posting in zip(
            segments,
            reversal_postings(
                [s.ft for s in segments],
                kind=FinancialTransaction.Kind.PAY_CANCEL,
                accounting_date=day,
                description=f"Payment cancelled: {reason.description}"[:120],
            ),
            strict=True,
        )
    ]
    for segment, ft_id in zip(segments, ledger_post_ids(postings=postings), strict=True):
        segment.cancel_ft_id = ft_id
    PaySegment.objects.bulk_update(segments, ["cancel_ft"])
    deferred_charges_reverse(
        payment_ids=[p.pk for p in frozen],
        accounting_date=day,
        description=f"Payment cancelled: {reason.description}",
    )
    now = timezone.now()
    for payment in payments:
        payment.cancel(by=user)
        payment.cancel_reason = reason
        payment.cancel_comment = comment[:200]
        payment.cancelled_at = now
        payment.save(update_fields=["status", "cancel_reason", "cancel_comment", "cancelled_at"])
    if frozen:
        ids, accounts = [p.pk for p in frozen], sorted({p.account_id for p in frozen})
        transaction.on_commit(
            lambda: payment_cancelled.send(
                sender=Payment, payment_ids=ids, account_ids=accounts, reason_code=reason.code
            )
        )


@transaction.atomic
def payment_cancel(
    *, payment: Payment, reason: PaymentCancelReason, comment: str = "", user=None
) -> Payment:
    """seed 003 steps 3.8/3.9: the payment is wrong, its tender is right. The tender stays
    and the event waits for a new payment (step 4.5/4.6) or a transfer. An unposted payment
    is cancelled too (nothing to reverse): deleting it is a Supervisor's (issue 7 item 13),
    a CSR cancels it with a reason that stays on record."""
    if reason.is_nsf:
        raise PaymentError(f"{reason.code} is a tender cancellation: cancel the tender instead")
    accounts_lock([payment.account_id])
    payment = payment_qs_select_for_update().get(pk=payment.pk)
    if payment.status == Payment.Status.CANCELLED:
        raise PaymentStateError(f"payment {payment.pk} is cancelled: it is cancelled only once")
    payments_reverse(payments=[payment], reason=reason, comment=comment, user=user)
    return payment


@transaction.atomic
def tender_cancel(
    *, tender: Tender, reason: PaymentCancelReason, comment: str = "", user=None
) -> Tender:
    """seed 003 steps 4.1-4.4: the money itself failed (e.g. a check returned NSF). The
    tender and every live payment of its event are cancelled, then the reason's effects:
    NSF charge, credit rating and cash-only points, collection review, stop autopay."""
    tender = Tender.objects.select_related("tender_type").get(pk=tender.pk)
    if reason.is_nsf and not tender.tender_type.nsf_allowed:
        raise PaymentError(
            "NSF reasons apply only to tenders that can come back unpaid (checks, ACH, "
            f"cards): a {tender.tender_type.description} tender is cancelled with another "
            "reason"
        )
    payor_id = tender.payor_account_id
    event, payee_ids = _tender_accounts_lock(tender=tender)
    live = list(
        payment_qs_select_for_update().filter(event=event).exclude(status=Payment.Status.CANCELLED)
    )
    tender = tender_qs_select_for_update().select_related("tender_type").get(pk=tender.pk)
    if tender.status != Tender.Status.VALID:
        raise PaymentStateError(f"tender {tender.pk} is already {tender.status}")
    if event.is_check_cashing and not reason.is_nsf:
        raise PaymentError(
            "a cashed check is cancelled only when it is returned unpaid (an NSF reason): "
            "delete the event of a cashing keyed in error"
        )
    payments_reverse(payments=live, reason=reason, comment=comment, user=user)
    tender.cancel(by=user)
    tender.cancel_reason = reason
    tender.cancel_comment = comment[:200]
    tender.cancelled_at = timezone.now()
    tender.save(update_fields=["status", "cancel_reason", "cancel_comment", "cancelled_at"])
    control_cancellation_record(tender=tender, user=user)
    # The payor named on the tender, else the tender's original payor: its event's first
    # payee, even when every payment was since cancelled or transferred away.
    charged = payor_id or (payee_ids[0] if payee_ids else None)
    if event.is_check_cashing:
        _cashed_check_receivable(tender=tender, account_id=charged, user=user)
    if charged:
        _reason_effects(tender=tender, reason=reason, account_id=charged, user=user)
    accounts = sorted({*(p.account_id for p in live), *([charged] if charged else [])})
    transaction.on_commit(
        lambda: tender_cancelled.send(
            sender=Tender,
            tender_ids=[tender.pk],
            account_ids=accounts,
            reason_code=reason.code,
            is_nsf=reason.is_nsf,
            stops_autopay=reason.stops_autopay,
        )
    )
    return tender


class _PayeesChanged(Exception):
    """A payee joined the event between reading the payees and locking them."""


def _tender_accounts_lock(*, tender: Tender, rounds: int = 5) -> tuple[PaymentEvent, list[int]]:
    """Lock the tender's payor and every payee of its event (cancelled payments too: the
    first payee may bear the NSF effects), in the published order, then the event; returns
    the event and the payee account ids, first payee first.

    The payees are read before they are locked, so a transfer or an added payment that
    commits in between brings a payee this round did not lock. Every change of an event's
    payments holds the event lock, so once we hold it the payees are read again; if the set
    grew, this round is rolled back to its savepoint (which releases its locks) and the
    next one locks the larger set, again in pk order."""
    payor = [tender.payor_account_id] if tender.payor_account_id else []
    for _ in range(rounds):
        payee_ids = _payee_ids(event_id=tender.event_id)
        try:
            with transaction.atomic():
                accounts_lock([*payee_ids, *payor])
                event = event_qs_select_for_update().get(pk=tender.event_id)
                locked = _payee_ids(event_id=event.pk)
                if not set(locked) <= set(payee_ids):
                    raise _PayeesChanged
                return event, locked
        except _PayeesChanged:
            continue
    raise PaymentError(f"the payments of event {tender.event_id} keep changing: try again")


def _payee_ids(*, event_id: int) -> list[int]:
    ids = Payment.objects.filter(event_id=event_id).order_by("pk").values_list("account_id")
    return list(dict.fromkeys(account_id for (account_id,) in ids))


def nsf_fee_sa(*, account_id: int) -> ServiceAgreement | None:
    """seed 003 step 4.2 (NSFC-DFLT): the NSF charge goes on the account's highest-priority
    active SA; deposit and excess-credit SAs hold no service charges, so they are skipped."""
    return (
        ServiceAgreement.objects.filter(
            account_id=account_id,
            status=ServiceAgreement.Status.ACTIVE,
            sa_type__is_deposit=False,
            sa_type__is_excess_credit=False,
        )
        .select_related("sa_type", "account")
        .order_by("sa_type__payment_priority", "pk")
        .first()
    )


def _cashed_check_receivable(*, tender: Tender, account_id: int | None, user) -> None:
    """Cash Check + seed 003 steps 4.2/4.4: a cashed check came back unpaid. The cash
    handed out for it (the event's negative cash tender) really left the drawer, so that
    tender stays valid; the payor owes it now. It is booked as a charge of the check type's
    returned-cashed-check adjustment type on the payor's SA, whose offset GL is the cash
    the bank took back, and kept on the check tender: the event balance check counts it
    in the returned check's place (check + cash = 0 before, receivable + cash = 0 after).
    `check_cash` refuses a cashing this could not book (no payor, nothing to charge)."""
    adjustment_type = tender.tender_type.cashed_check_adjustment_type
    sa = _receivable_sa(account_id=account_id) if account_id else None
    if adjustment_type is None or sa is None:
        raise PaymentError(
            f"cashed check tender {tender.pk} has no payor service agreement or no "
            "returned-cashed-check adjustment type to charge it to: fix the configuration "
            "and return it again"
        )
    tender.receivable_adjustment = adjustment_create(
        sa=sa,
        adjustment_type=adjustment_type,
        amount=tender.amount,
        reason=f"Returned cashed check: tender {tender.pk} (check {tender.check_number})"[:200],
        user=user,
    )
    tender.save(update_fields=["receivable_adjustment"])


def _receivable_sa(*, account_id: int) -> ServiceAgreement | None:
    """Where the payor's debt goes: the NSF fee's SA, else (the services ended since the
    check was cashed) the account's latest SA that holds service charges."""
    return nsf_fee_sa(account_id=account_id) or (
        ServiceAgreement.objects.filter(
            account_id=account_id, sa_type__is_deposit=False, sa_type__is_excess_credit=False
        )
        .select_related("sa_type", "account")
        .order_by("-pk")
        .first()
    )


def _reason_effects(*, tender: Tender, reason: PaymentCancelReason, account_id: int, user) -> None:
    """seed 003 steps 4.2/4.3 on the payor's account (the first payee's when nobody is named)."""
    what = f"Returned payment: tender {tender.pk} ({reason.description})"
    account = Account.objects.get(pk=account_id)
    sa = nsf_fee_sa(account_id=account_id)
    if reason.fee_amount > 0 and sa is not None:
        adjustment_create(
            sa=sa,
            adjustment_type=reason.fee_adjustment_type,
            amount=reason.fee_amount,
            reason=what[:200],
            user=user,
        )
    elif reason.fee_amount > 0:
        todo_create(
            type_code="GENERAL",
            subject=f"NSF charge of {reason.fee_amount} not levied: no active SA",
            account=account,
            source=f"payments.Tender:{tender.pk}",
        )
    if reason.credit_rating_points or reason.cash_only_points:
        today = timezone.localdate()
        credit_event_add(
            account=account,
            reason=what[:200],
            credit_rating_points=reason.credit_rating_points,
            cash_only_points=reason.cash_only_points,
            effective_on=today,
            expires_on=today + timedelta(days=reason.credit_event_days)
            if reason.credit_event_days
            else None,
        )
    if reason.creates_collection_review:
        todo_create(
            type_code="COLLREVIEW",
            subject="Review for collection: returned payment",
            detail=what,
            account=account,
            source=f"payments.Tender:{tender.pk}",
        )


@dataclass(frozen=True)
class ReturnOutcome:
    tender: Tender
    representment: PaymentEvent | None = None


@transaction.atomic
def tender_return(
    *,
    tender: Tender,
    reason: PaymentCancelReason,
    represent: bool = False,
    represent_date: date | None = None,
    comment: str = "",
    user=None,
) -> ReturnOutcome:
    """A returned payment in one step: cancel the tender (reversal reopens the debt, the
    reason adds its fee and points) and, when the bank presents the item again, record the
    re-presented money as a new event paying the same accounts."""
    from .events import DistributionMode, PaymentIn, TenderIn, payment_event_create

    returned = list(
        Payment.objects.filter(event_id=tender.event_id, status=Payment.Status.FROZEN)
        .select_related("account", "distribution_rule")
        .order_by("pk")
    )
    tender = tender_cancel(tender=tender, reason=reason, comment=comment, user=user)
    if not represent:
        return ReturnOutcome(tender=tender)
    payments = [
        PaymentIn(
            account=p.account,
            amount=p.amount,
            distribution_rule=p.distribution_rule,
            match_value=p.match_value,
        )
        for p in returned
    ]
    others = tender.event.tenders.exclude(pk=tender.pk).exists()
    if tender.event.is_check_cashing:
        # Cash Check: collected after all, the check pays what its payor was charged for it.
        payments = [PaymentIn(account=tender.payor_account, amount=tender.amount)]
    elif others or sum((p.amount for p in returned), ZERO) != tender.amount:
        raise PaymentError(
            f"tender {tender.pk} did not fund its event's frozen payments alone: "
            "present it again as a new payment by hand"
        )
    event = payment_event_create(
        tender_source=tender.event.tender_source,
        payment_date=represent_date,
        tenders=[
            TenderIn(
                tender_type=tender.tender_type,
                amount=tender.amount,
                payor_account=tender.payor_account,
                check_number=tender.check_number,
                processor_token=tender.processor_token,
                last4=tender.last4,
                # the bank's money again, not a new tender: acceptance rules don't apply
                represents=tender,
            )
        ],
        payments=payments,
        mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
        user=user,
        comments=f"Re-presentment of tender {tender.pk}",
    )
    return ReturnOutcome(tender=tender, representment=event)
