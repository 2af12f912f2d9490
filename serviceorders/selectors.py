"""Reads of service orders for the panel, the control panel and the daily report."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account, Location

from .models import ReconnectDecision, ServiceOrder, ServiceOrderKind


def _orders() -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.select_related("type", "order_class", "tier_status", "account")


def _completion(qs: QuerySet[ServiceOrder], completion: str) -> QuerySet[ServiceOrder]:
    """`completion`: "complete", "incomplete" or "both" (seed 004 Service Orders tab)."""
    if completion == "complete":
        return qs.filter(status=ServiceOrder.Status.COMPLETED)
    if completion == "incomplete":
        return qs.filter(status__in=ServiceOrder.INCOMPLETE)
    return qs


def orders_for_account(*, account: Account, completion: str = "both") -> QuerySet[ServiceOrder]:
    return _completion(_orders().filter(account=account), completion)


def orders_for_location(*, location: Location, completion: str = "both") -> QuerySet[ServiceOrder]:
    return _completion(_orders().filter(location=location), completion)


def open_orders_for_location(*, location: Location) -> QuerySet[ServiceOrder]:
    return orders_for_location(location=location, completion="incomplete")


def open_order_count(*, account: Account | None = None, location: Location | None = None) -> int:
    qs = ServiceOrder.objects.filter(status__in=ServiceOrder.INCOMPLETE)
    if account is not None:
        qs = qs.filter(account=account)
    if location is not None:
        qs = qs.filter(location=location)
    return qs.count()


def latest_disconnect(*, account: Account) -> ServiceOrder | None:
    """The account's latest completed disconnect order (what auto-reconnect looks at)."""
    return (
        ServiceOrder.objects.select_related("tier_status")
        .filter(
            account=account, kind=ServiceOrderKind.DISCONNECT, status=ServiceOrder.Status.COMPLETED
        )
        .order_by("-completed_on", "-completed_at", "-pk")
        .first()
    )


def open_reconnect(*, account: Account) -> ServiceOrder | None:
    return ServiceOrder.objects.filter(
        account=account, kind=ServiceOrderKind.RECONNECT, status__in=ServiceOrder.INCOMPLETE
    ).first()


def decisions_for_account(*, account: Account) -> QuerySet[ReconnectDecision]:
    return ReconnectDecision.objects.filter(account=account).select_related("order", "payment")


def reconnect_report(*, on: date) -> QuerySet[ReconnectDecision]:
    """The daily report: every decision taken on `on` (local time), oldest first."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(on, time.min), tz)
    return (
        ReconnectDecision.objects.filter(decided_at__gte=start, decided_at__lt=start + timedelta(1))
        .select_related("account", "order", "payment")
        .order_by("decided_at", "pk")
    )


REPORT_COLUMNS = [
    "decided_at",
    "account",
    "payment",
    "payment_at",
    "reconnected",
    "reason",
    "reason_text",
    "held_until",
    "order",
    "seconds_to_order",
]


def reconnect_report_rows(decisions) -> list[list]:
    """The report's rows (CSV command, the report page and its CSV), one per decision."""
    return [
        [
            timezone.localtime(d.decided_at).isoformat(timespec="seconds"),
            d.account.number,
            d.payment_id,
            timezone.localtime(d.payment_at).isoformat(timespec="seconds"),
            "yes" if d.reconnected else "no",
            d.reason,
            d.reason_text,
            d.held_until.isoformat() if d.held_until else "",
            d.order.number if d.order else "",
            "" if d.seconds_to_order is None else d.seconds_to_order,
        ]
        for d in decisions
    ]
