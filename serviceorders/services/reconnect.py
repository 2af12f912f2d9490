"""Auto-reconnect (issue 11 items 4-5, seed 000 "Automate/Provision Reconnect SO with
Payments") and the cancel of pending disconnects a payment cures.

For each shut-off account a frozen payment paid, under the account's lock:
  auto-reconnect off                          -> disabled
  no completed disconnect order               -> no_disconnect_order
  its tier status not eligible                -> tier_not_eligible
  the reconnect rule not met                  -> rule_not_met
  an ACH / eCheck payment inside its hold     -> held (until payment date + hold days; the
                                                 `reconnect_held_payments` job decides again)
  an open reconnect order already             -> open_reconnect_exists
  otherwise a reconnect order (configured class, effective date = payment date, origin
  payment)                                    -> reconnected
Every outcome is one ReconnectDecision per (payment, account), with the payment's time and
the seconds from payment to order."""

import logging
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Account
from accounts.selectors import account_aging
from cis.bulk import id_in
from cis.money import ZERO
from payments.models import Payment, TenderCategory

from ..exceptions import ServiceOrderStateError
from ..lock_objects import accounts_lock
from ..models import (
    ReconnectDecision,
    ReconnectOptions,
    ServiceOrder,
    ServiceOrderKind,
    ServiceOrderType,
)
from ..selectors import latest_disconnect, open_reconnect
from .orders import service_order_cancel, service_order_create

log = logging.getLogger(__name__)
Reason = ReconnectDecision.Reason


def payments_frozen_handle(*, payment_ids: list[int], account_ids: list[int]) -> None:
    """The `payment_frozen` receiver's work: one query when no paying account is shut off
    or has a pending disconnect (every online payment and the nightly bulk path, with
    thousands of ids, come through here)."""
    flagged = _flagged_accounts(account_ids)
    if not flagged:
        return
    options = ReconnectOptions.load()
    shut_off_ids = [pk for pk, status, _ in flagged if status == Account.ServiceStatus.SHUT_OFF]
    shut_off = (
        list(
            Payment.objects.filter(
                pk__in=id_in(payment_ids),
                status=Payment.Status.FROZEN,
                account_id__in=shut_off_ids,
            )
            .order_by("account_id", "pk")
            .values_list("pk", "account_id")
        )
        if shut_off_ids
        else []
    )
    for payment_id, account_id in shut_off:
        try:
            reconnect_evaluate(payment_id=payment_id, account_id=account_id, options=options)
        except Exception:  # one account's failure must not stop the others
            log.exception("auto-reconnect failed for payment %s", payment_id)
    if options.cancel_pending_disconnects:
        for account_id in [pk for pk, _, pending in flagged if pending]:
            try:
                pending_disconnects_cancel(account_id=account_id, payment_ids=payment_ids)
            except Exception:
                log.exception("pending disconnect cancel failed for account %s", account_id)


def _flagged_accounts(account_ids: list[int]) -> list[tuple[int, str, bool]]:
    """(pk, service status, has an open disconnect order) of the accounts shut off or with
    an open disconnect order, in pk order. Plain SQL: the same query through the ORM cost
    a tenth of an online payment's CPU to build, after every payment."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    if connection.vendor == "postgresql":
        where, params = "a.id = ANY(%s::bigint[])", [ids]
    else:
        where, params = f"a.id IN ({', '.join(['%s'] * len(ids))})", ids
    pending = (
        f"EXISTS (SELECT 1 FROM {ServiceOrder._meta.db_table} o"  # noqa: S608 (table names)
        " WHERE o.account_id = a.id AND o.kind = %s AND o.status = %s)"
    )
    sql = (
        f"SELECT a.id, a.service_status, {pending} FROM {Account._meta.db_table} a"  # noqa: S608
        f" WHERE {where} AND (a.service_status = %s OR {pending}) ORDER BY a.id"
    )
    order = [ServiceOrderKind.DISCONNECT.value, ServiceOrder.Status.OPEN.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*order, *params, Account.ServiceStatus.SHUT_OFF.value, *order])
        return [(pk, status, bool(pending)) for pk, status, pending in cursor.fetchall()]


def _is_ach(payment: Payment) -> bool:
    return payment.event.tenders.filter(
        tender_type__category=TenderCategory.ACH, status="valid"
    ).exists()


def _rule_met(*, options: ReconnectOptions, account: Account, payment: Payment) -> tuple[bool, str]:
    if options.rule == ReconnectOptions.Rule.FULL_BALANCE:
        return account.balance <= ZERO, f"balance {account.balance} after the payment"
    if options.rule == ReconnectOptions.Rule.MINIMUM:
        return (
            payment.amount >= options.minimum_amount,
            f"payment {payment.amount}, minimum {options.minimum_amount}",
        )
    past_due = account_aging(account=account).past_due
    return past_due <= ZERO, f"past due {past_due} after the payment"


@transaction.atomic
def reconnect_evaluate(
    *,
    payment_id: int,
    account_id: int,
    options: ReconnectOptions | None = None,
    today: date | None = None,
) -> ReconnectDecision:
    """Decide (again, for a held payment) whether this payment reconnects the account."""
    options = options or ReconnectOptions.load()
    today = today or timezone.localdate()
    (account,) = accounts_lock([account_id])
    payment = Payment.objects.select_related("event").get(pk=payment_id)
    existing = ReconnectDecision.objects.filter(payment=payment, account=account).first()
    if existing and existing.reason != Reason.HELD:
        return existing  # decided once; a repeated signal decides nothing twice

    def decide(reason, text="", order=None, held_until=None):
        now = timezone.now()
        paid_at = payment.frozen_at or payment.created_at
        seconds = None
        if order is not None:
            seconds = max(0, int((order.created_at - paid_at).total_seconds()))
        decision, _ = ReconnectDecision.objects.update_or_create(
            payment=payment,
            account=account,
            defaults={
                "reconnected": order is not None,
                "reason": reason,
                "reason_text": text[:200],
                "held_until": held_until,
                "order": order,
                "payment_at": paid_at,
                "decided_at": now,
                "seconds_to_order": seconds,
            },
        )
        return decision

    if payment.status != Payment.Status.FROZEN:
        return decide(Reason.PAYMENT_CANCELLED, f"payment is {payment.status}")
    if account.service_status != Account.ServiceStatus.SHUT_OFF:
        return decide(Reason.NOT_SHUT_OFF, "account is connected")
    if not options.is_enabled:
        return decide(Reason.DISABLED, "auto-reconnect is switched off in the options")
    disconnect = latest_disconnect(account=account)
    if disconnect is None:
        return decide(Reason.NO_DISCONNECT_ORDER, "no completed disconnect order")
    tier = disconnect.tier_status
    if tier is None or not tier.is_auto_reconnect_eligible:
        code = tier.code if tier else "none"
        return decide(
            Reason.TIER_NOT_ELIGIBLE,
            f"disconnect {disconnect.number} tier status {code} is not eligible",
        )
    met, detail = _rule_met(options=options, account=account, payment=payment)
    if not met:
        return decide(Reason.RULE_NOT_MET, f"rule {options.rule}: {detail}")
    if options.ach_hold_days and _is_ach(payment):
        held_until = payment.event.payment_date + timedelta(days=options.ach_hold_days)
        if today < held_until:
            return decide(
                Reason.HELD,
                f"ACH / eCheck payment held until {held_until:%Y-%m-%d}",
                held_until=held_until,
            )
    existing_order = open_reconnect(account=account)
    if existing_order is not None:
        return decide(Reason.OPEN_RECONNECT_EXISTS, f"{existing_order.number} is open")
    reconnect_type = (
        ServiceOrderType.objects.filter(kind=ServiceOrderKind.RECONNECT, is_active=True)
        .order_by("code")
        .first()
    )
    try:
        with transaction.atomic():
            order = service_order_create(
                account=account,
                type=reconnect_type,
                effective_date=payment.event.payment_date,
                class_=options.reconnect_class,
                tier_status=tier,
                origin=ServiceOrder.Origin.PAYMENT,
                notes=f"Auto-reconnect: payment {payment.pk} of {payment.amount}",
                source_payment=payment,
            )
    except (IntegrityError, ServiceOrderStateError):
        return decide(Reason.OPEN_RECONNECT_EXISTS, "another reconnect order is open")
    return decide(Reason.RECONNECTED, f"{order.number} created", order=order)


@transaction.atomic
def pending_disconnects_cancel(*, account_id: int, payment_ids: list[int]) -> list[ServiceOrder]:
    """A payment that cures the delinquency (past due <= 0) cancels the account's open,
    not yet dispatched disconnect orders (issue 11 item 5)."""
    (account,) = accounts_lock([account_id])
    past_due = account_aging(account=account).past_due
    if past_due > ZERO:
        return []
    paid = ", ".join(
        str(pk)
        for pk in Payment.objects.filter(pk__in=id_in(payment_ids), account=account)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cancelled = []
    orders = ServiceOrder.objects.filter(
        account=account, kind=ServiceOrderKind.DISCONNECT, status=ServiceOrder.Status.OPEN
    ).order_by("pk")
    for order in orders:
        cancelled.append(
            service_order_cancel(
                order=order,
                reason=f"Delinquency cured by payment {paid} (past due {past_due})",
            )
        )
    return cancelled


def held_decisions_due(*, business_date: date):
    return ReconnectDecision.objects.filter(
        reason=Reason.HELD, held_until__lte=business_date
    ).order_by("pk")


def held_decision_release(*, decision: ReconnectDecision, business_date: date) -> ReconnectDecision:
    return reconnect_evaluate(
        payment_id=decision.payment_id, account_id=decision.account_id, today=business_date
    )
