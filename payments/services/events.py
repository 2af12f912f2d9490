"""Payment events: add with tenders and payments, add a payment to an existing tender,
reallocate across accounts, delete while unfrozen (seed 003 steps 1.2-1.7, 2.2/2.3, 4.6,
4.9-5.4)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from accounts.models import Account, ServiceAgreement
from cis.integrity import insert_validated
from cis.money import ZERO, money_format, quantize

from ..exceptions import PaymentError, PaymentStateError
from ..lock_objects import (
    accounts_lock,
    event_qs_select_for_update,
    payment_qs_select_for_update,
    tender_control_qs_select_for_update,
)
from ..models import (
    ControlStatus,
    DistributionCode,
    DistributionRule,
    Payment,
    PaymentEvent,
    PaySegment,
    Tender,
    TenderControl,
    TenderSource,
    TenderType,
)
from ..selectors import event_totals
from .acceptance import payment_acceptance_check
from .controls import tender_controls_lock
from .distribution import by_csr_amounts, distribution_plan_gl, payment_distribute
from .freeze import freeze_segments, payment_freeze


class DistributionMode(models.TextChoices):
    """seed 003 step 1.2: what happens once the payment is added."""

    DISTRIBUTE_AND_FREEZE = "distribute_and_freeze", "Distribute and freeze"
    MANUAL = "manual", "Manual distribution (freeze separately)"
    DO_NOT_DISTRIBUTE = "do_not_distribute", "Do not distribute"


@dataclass(frozen=True)
class TenderIn:
    tender_type: TenderType
    amount: Decimal
    payor_account: Account | None = None
    tender_control: TenderControl | None = None
    check_number: str = ""
    processor_token: str = ""
    last4: str = ""
    external_id: str = ""
    # A returned tender the bank presents again (`tender_return`): that money is not a new
    # tender to accept or refuse, so acceptance rules don't apply to it.
    represents: Tender | None = None


@dataclass(frozen=True)
class PaymentIn:
    account: Account
    amount: Decimal
    accounting_date: date | None = None
    distribution_rule: DistributionRule | None = None
    match_value: str = ""
    # Manual distribution: CSR amounts per SA of the account (seed 003 step 2.0).
    sa_amounts: Mapping[ServiceAgreement, Decimal] | None = None
    payer_name: str = ""
    distribution_code: DistributionCode | None = None
    comments: str = ""


@dataclass(frozen=True)
class EventPosted:
    """What `payment_event_post` wrote, as written: the API answers from it without
    reading the rows back."""

    event: PaymentEvent
    tenders: list[Tender]
    payments: list[Payment]
    # Per payment (same order): its pay segments.
    segments: list[list[PaySegment]]


def payment_event_create(**kwargs) -> PaymentEvent:
    """Add money received: tenders and the payments they fund, which must balance."""
    return payment_event_post(**kwargs).event


@transaction.atomic
def payment_event_post(
    *,
    tender_source: TenderSource,
    tenders: Sequence[TenderIn],
    payments: Sequence[PaymentIn],
    mode: str = DistributionMode.DISTRIBUTE_AND_FREEZE,
    payment_date: date | None = None,
    user=None,
    comments: str = "",
    external_id: str = "",
    is_check_cashing: bool = False,
) -> EventPosted:
    """`payment_event_create`, answering everything it wrote."""
    event_size_check(tenders=len(tenders), payments=len(payments))
    payment_date = payment_date or timezone.localdate()
    _amounts_check(tenders, payments, is_check_cashing)
    accounts_lock(
        [p.account.pk for p in payments] + [t.payor_account.pk for t in tenders if t.payor_account]
    )
    fresh = [t for t in tenders if t.represents is None]
    if fresh:  # re-presented money alone is recorded whatever the accounts accept
        payment_acceptance_check(
            payee_ids=[p.account.pk for p in payments],
            payor_ids=[t.payor_account.pk for t in fresh if t.payor_account],
            categories={t.tender_type.category for t in fresh if t.amount > 0},
            as_of=payment_date,
        )
    event = PaymentEvent(
        payment_date=payment_date,
        tender_source=tender_source,
        is_check_cashing=is_check_cashing,
        external_id=external_id,
        comments=comments,
        created_by=user,
    )
    insert_validated(event)
    _controls_check([t.tender_control for t in tenders if t.tender_control], tender_source)
    written = []
    for t in tenders:
        tender = Tender(event=event, **{f: getattr(t, f) for f in TenderIn.__dataclass_fields__})
        tender.amount = quantize(tender.amount)
        insert_validated(tender, exclude=["status"])
        written.append(tender)
    added = _payments_add(event=event, payments=payments, mode=mode, user=user)
    return EventPosted(
        event=event,
        tenders=written,
        payments=[p for p, _ in added],
        segments=[segments for _, segments in added],
    )


def event_size_check(*, tenders: int = 0, payments: int = 0) -> None:
    """Bound the work of one online request (500 distribute-and-freeze payments took 27 s,
    holding a worker and the accounts' locks): bigger jobs are an upload, whose bulk path
    posts thousands with a fixed number of queries per chunk."""
    for count, cap, what in (
        (payments, settings.OPENCIS_MAX_PAYMENTS_PER_EVENT, "payment"),
        (tenders, settings.OPENCIS_MAX_TENDERS_PER_EVENT, "tender"),
    ):
        if count > cap:
            raise PaymentError(
                f"a payment event takes at most {cap} {what}{'s' if cap != 1 else ''} "
                f"(this one has {count}): send bigger jobs as a payment upload"
            )


def _amounts_check(tenders, payments, is_check_cashing: bool) -> None:
    if not tenders:
        raise PaymentError("a payment event needs at least one tender")
    if any(t.amount == 0 for t in tenders) or any(p.amount <= 0 for p in payments):
        raise PaymentError("tender amounts can't be zero and payment amounts must be positive")
    tendered = sum((t.amount for t in tenders), ZERO)
    applied = sum((p.amount for p in payments), ZERO)
    if is_check_cashing:
        if payments or tendered != 0:
            raise PaymentError("a cashed check is a check tender and an equal negative cash one")
        return
    if any(t.amount < 0 for t in tenders):
        raise PaymentError("only cash handed back for a cashed check can be a negative tender")
    if not payments:
        raise PaymentError("a payment event needs at least one payment")
    if tendered != applied:
        raise PaymentError(
            f"the tenders total {money_format(tendered)} but the payments total "
            f"{money_format(applied)}"
        )


def _controls_check(controls: Sequence[TenderControl], source: TenderSource) -> None:
    ids = {c.pk for c in controls}
    if not ids:
        return
    for control in tender_control_qs_select_for_update().filter(pk__in=ids):
        if control.status != ControlStatus.OPEN:
            raise PaymentStateError(f"tender control {control.pk} is {control.status}")
        if control.tender_source_id != source.pk:
            raise PaymentError(
                f"tender control {control.pk} belongs to another tender source than the event"
            )


def payments_add(
    *,
    event: PaymentEvent,
    payments: Sequence[PaymentIn],
    mode: str,
    user=None,
    transferred_from: Payment | None = None,
) -> list[Payment]:
    """Create the payments of an event and distribute / freeze them as `mode` says."""
    return [
        payment
        for payment, _ in _payments_add(
            event=event,
            payments=payments,
            mode=mode,
            user=user,
            transferred_from=transferred_from,
        )
    ]


def _payments_add(
    *,
    event: PaymentEvent,
    payments: Sequence[PaymentIn],
    mode: str,
    user=None,
    transferred_from: Payment | None = None,
) -> list[tuple[Payment, list[PaySegment]]]:
    created = []
    for p in payments:
        payment = Payment(
            event=event,
            account=p.account,
            amount=quantize(p.amount),
            accounting_date=p.accounting_date or event.payment_date,
            distribution_rule=p.distribution_rule,
            match_value=p.match_value,
            payer_name=p.payer_name,
            distribution_code=p.distribution_code,
            comments=p.comments,
            transferred_from=transferred_from,
            created_by=user,
        )
        payment.is_manual_distribution = by_csr_amounts(payment=payment, sa_amounts=p.sa_amounts)
        insert_validated(payment, exclude=["status"])
        if p.sa_amounts is None and mode == DistributionMode.DO_NOT_DISTRIBUTE:
            created.append((payment, []))
            continue
        # The accounts are locked and the payment is new: distribute (manual mode without
        # amounts starts from the configured distribution, which the CSR then changes,
        # seed 003 steps 2.1, 2.4) and freeze without reading it back.
        segments, receivable_gl = distribution_plan_gl(
            payment=payment, sa_amounts=p.sa_amounts, user=user
        )
        if (
            mode == DistributionMode.DISTRIBUTE_AND_FREEZE
            and payment.status == Payment.Status.INCOMPLETE
        ):
            payment = freeze_segments(
                payment=payment, segments=segments, user=user, receivable_gl=receivable_gl
            )
        else:
            PaySegment.objects.bulk_create(segments)
            if payment.status == Payment.Status.ERROR:
                payment.save(update_fields=["status", "error_message"])
        created.append((payment, segments))
    return created


@transaction.atomic
def payment_add(
    *,
    event: PaymentEvent,
    payment: PaymentIn,
    mode: str = DistributionMode.DISTRIBUTE_AND_FREEZE,
    user=None,
) -> Payment:
    """seed 003 step 4.6: a payment added to an existing tender, for money left unapplied
    when a payment was cancelled."""
    accounts_lock([payment.account.pk])
    event = event_qs_select_for_update().get(pk=event.pk)
    event_acceptance_check(event, [payment.account.pk])
    tendered, applied = event_totals(event=event)
    if payment.amount <= 0 or applied + payment.amount > tendered:
        raise PaymentError(
            f"the event has {money_format(tendered - applied)} unapplied; a payment of "
            f"{money_format(payment.amount)} "
            "would exceed its tenders"
        )
    return payments_add(event=event, payments=[payment], mode=mode, user=user)[0]


@transaction.atomic
def payment_event_allocation_update(
    *, event: PaymentEvent, payments: Sequence[PaymentIn], mode: str, user=None
) -> list[Payment]:
    """seed 003 steps 5.3/5.4: replace the unfrozen payments of an event by a new
    allocation across accounts; frozen ones stay (transfer them instead)."""
    event_size_check(payments=len(payments))
    unfrozen = list(event.payments.filter(status__in=_UNFROZEN))
    accounts_lock([p.account_id for p in unfrozen] + [p.account.pk for p in payments])
    event = event_qs_select_for_update().get(pk=event.pk)
    unfrozen = list(payment_qs_select_for_update().filter(event=event, status__in=_UNFROZEN))
    tendered, applied = event_totals(event=event)
    available = tendered - applied + sum((p.amount for p in unfrozen), ZERO)
    wanted = sum((p.amount for p in payments), ZERO)
    if wanted > available or (wanted < available and not _has_cancelled(event)):
        raise PaymentError(f"the new allocation totals {wanted} but {available} is to allocate")
    event_acceptance_check(event, [p.account.pk for p in payments])
    for payment in unfrozen:
        payment.delete()
    return payments_add(event=event, payments=payments, mode=mode, user=user)


_UNFROZEN = [Payment.Status.INCOMPLETE, Payment.Status.ERROR]


def event_acceptance_check(event: PaymentEvent, payee_ids: list[int]) -> None:
    """New payees of an existing event pass the same checks as at its creation."""
    tenders = list(event.tenders.filter(status=Tender.Status.VALID).select_related("tender_type"))
    payment_acceptance_check(
        payee_ids=payee_ids,
        payor_ids=[t.payor_account_id for t in tenders if t.payor_account_id],
        categories={t.tender_type.category for t in tenders if t.amount > 0},
        as_of=event.payment_date,
    )


def _has_cancelled(event: PaymentEvent) -> bool:
    return event.payments.filter(status=Payment.Status.CANCELLED).exists()


@transaction.atomic
def payment_event_delete(*, event: PaymentEvent) -> None:
    """seed 003 step 2.3: payments and tenders removed; no financial impact, so only while
    nothing of the event was ever frozen."""
    accounts_lock(event.payments.values_list("account_id", flat=True))
    event = event_qs_select_for_update().get(pk=event.pk)
    if event.payments.exclude(status__in=_UNFROZEN).exists():
        raise PaymentStateError(
            f"payment event {event.pk} has frozen or cancelled payments: cancel them instead"
        )
    _event_remove(event)


def _event_remove(event: PaymentEvent) -> None:
    """Delete an event with its tenders, unfrozen payments and their segments (seed 003
    step 2.3: no financial impact). An event with history that must stay is refused: a
    cancelled tender (a cashed check returned unpaid has no payment, but its cancellation
    carries the payor's charge, the NSF fee, a control adjustment, maybe a re-presentment
    pointing at it), and any other record that keeps a reference to the event."""
    cancelled = event.tenders.filter(status=Tender.Status.CANCELLED).order_by("pk").first()
    if cancelled is not None:
        raise PaymentStateError(
            f"payment event {event.pk} can't be deleted: its tender {cancelled.pk} was "
            "cancelled and its cancellation stays on record"
        )
    _tenders_removable_check(event)
    try:
        with transaction.atomic():
            event.delete()
    except models.ProtectedError as exc:
        kept = sorted({f"{o._meta.verbose_name} {o.pk}" for o in exc.protected_objects})
        raise PaymentStateError(
            f"payment event {event.pk} can't be deleted: {', '.join(kept)} refers to it and "
            "is kept on record"
        ) from exc


def _tenders_removable_check(event: PaymentEvent) -> None:
    """Deleting an event removes its tenders from their drawers: only open ones."""
    control_ids = event.tenders.exclude(tender_control=None).values_list("tender_control_id")
    tender_controls_lock(control_ids=[c for (c,) in control_ids], action="removed")


@transaction.atomic
def payment_delete(*, payment: Payment) -> None:
    """Delete an unfrozen payment. The event must still balance afterwards: the last
    payment takes its tenders and event with it (step 2.3); a payment added after a
    cancellation leaves the event waiting for a payment again."""
    accounts_lock([payment.account_id])
    event = event_qs_select_for_update().get(pk=payment.event_id)
    payment = payment_qs_select_for_update().get(pk=payment.pk)
    if payment.status not in _UNFROZEN:
        raise PaymentStateError(f"payment {payment.pk} is {payment.status}: cancel it instead")
    others = event.payments.exclude(pk=payment.pk)
    if not others.exists():
        _event_remove(event)
        return
    if not _has_cancelled(event):
        raise PaymentError(
            "deleting this payment would leave its event out of balance: "
            "change the allocation or delete the whole event"
        )
    payment.delete()


@transaction.atomic
def payment_retry(*, payment: Payment, user=None) -> Payment:
    """seed 003 steps 8.4/8.5: distribute and freeze a payment in Error again, e.g. once
    the account has an active SA."""
    payment = payment_distribute(payment=payment, user=user)
    if payment.status == Payment.Status.INCOMPLETE:
        payment = payment_freeze(payment=payment, user=user)
    return payment
