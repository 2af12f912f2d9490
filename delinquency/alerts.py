"""The delinquency alerts (issue 12 item 4; seed 000: "A No Penalty Alert is available for
both Inquiry and Payments ... and will display in the Alerts window for any accounts flagged
No Penalty").

Which alerts exist, where they show and what they say is `AlertType` (admin); when one
holds is built in here, one condition per code:

- no_penalty: No Penalty is set and today is on or before its expire date (none: until
  cleared). The day after the expire date the alert is gone, as the penalty job charges.
- cash_only: the cash-only score (accounts credit events in effect today) is at or over
  payments' threshold, the point from which payments refuses checks.
- bankrupt: the customer is flagged bankrupt.
- arrangement: the account has an active payment arrangement.
- shutoff_pending: an open or dispatched disconnect service order.
- medical: a medical certificate covers today.

All of it is read in two queries per panel view (the active alert types, then one row of
the account with a subquery per condition that an active type asks about), kept in the
request's `PanelContext.memo` so the banner and payment entry share them.
"""

import datetime as dt
import string
from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import Account, CreditRatingEvent
from accounts.panel import Facts, PanelContext
from payments.services.acceptance import cash_only_threshold
from serviceorders.models import ServiceOrder, ServiceOrderKind

from .models import AlertType, Arrangement, MedicalCertificate

MEMO_KEY = "delinquency_alerts"
UNTIL_CLEARED = "further notice"


@dataclass(frozen=True)
class Alert:
    code: str
    text: str
    on_panel: bool
    on_payment: bool


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def alert_text(template: str, **values) -> str:
    """The admin's text with {until} (and {score}, {threshold}) filled in. The text is
    typed in the admin: a placeholder it doesn't know is left empty, and a stray brace
    shows the text as typed rather than breaking the panel."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        return template.format_map(_Blank({k: v for k, v in values.items() if k in names}))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def _date(value: dt.date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else UNTIL_CLEARED


def cash_score_sql(today: dt.date):
    """The cash-only score as a correlated subquery on Account, counting the same events
    as payments' acceptance check (effective by `today`, not expired before it)."""
    return Coalesce(
        Subquery(
            CreditRatingEvent.objects.filter(
                Q(expires_on__isnull=True) | Q(expires_on__gte=today),
                account_id=OuterRef("pk"),
                effective_on__lte=today,
            )
            .order_by()
            .values("account_id")
            .annotate(s=Sum("cash_only_points"))
            .values("s"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def cash_only_until(*, account_id: int, today: dt.date, threshold: int) -> dt.date | None:
    """The last day the account stays cash only as its points stand: the day the events
    that must expire for the score to drop under the threshold expire. None: it never
    drops (points without an expiry keep it there). Asked only of cash-only accounts."""
    events = list(
        CreditRatingEvent.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today),
            account_id=account_id,
            effective_on__lte=today,
        )
        .exclude(cash_only_points=0)
        .values_list("expires_on", "cash_only_points")
    )
    score = sum(points for _, points in events)
    for day in sorted({expires for expires, _ in events if expires is not None}):
        score -= sum(points for expires, points in events if expires == day)
        if score < threshold:
            return day
    return None


def account_alerts_compute(
    *, account_id: int, today: dt.date, types: list[AlertType] | None = None
) -> list[Alert]:
    """The account's alerts that hold today, in the alert types' order."""
    if types is None:
        types = list(
            AlertType.objects.filter(Q(on_panel=True) | Q(on_payment=True), is_active=True)
        )
    if not types:
        return []
    order = list(AlertType.Code.values)  # No Penalty first, as the model lists the codes
    types = sorted(types, key=lambda t: order.index(t.code) if t.code in order else len(order))
    codes = {t.code for t in types}
    C = AlertType.Code
    fields = ["customer__is_bankrupt"]
    annotations = {}
    if C.NO_PENALTY in codes:
        fields += ["credit_attributes__no_penalty", "credit_attributes__no_penalty_expires_on"]
    if C.CASH_ONLY in codes:
        annotations["cash_score"] = cash_score_sql(today)
    if C.ARRANGEMENT in codes:
        annotations["arrangement_number"] = Subquery(
            Arrangement.objects.filter(account_id=OuterRef("pk"), status=Arrangement.Status.ACTIVE)
            .order_by()
            .values("number")[:1]
        )
    if C.SHUTOFF_PENDING in codes:
        annotations["disconnect_number"] = Subquery(
            ServiceOrder.objects.filter(
                account_id=OuterRef("pk"),
                kind=ServiceOrderKind.DISCONNECT,
                status__in=ServiceOrder.INCOMPLETE,
            )
            .order_by("effective_date", "pk")
            .values("number")[:1]
        )
    if C.MEDICAL in codes:
        annotations["medical_until"] = Subquery(
            MedicalCertificate.objects.filter(
                account_id=OuterRef("pk"), certified_on__lte=today, expires_on__gte=today
            )
            .order_by("-expires_on")
            .values("expires_on")[:1]
        )
    row = (
        Account.objects.filter(pk=account_id)
        .order_by()
        .annotate(**annotations)
        .values(*fields, *annotations)
        .first()
    )
    if row is None:
        return []
    threshold = cash_only_threshold()
    holds: dict[str, dict] = {}
    if row.get("credit_attributes__no_penalty"):
        until = row["credit_attributes__no_penalty_expires_on"]
        if until is None or until >= today:
            holds[C.NO_PENALTY] = {"until": _date(until)}
    if C.CASH_ONLY in codes and row["cash_score"] >= threshold:
        last = cash_only_until(account_id=account_id, today=today, threshold=threshold)
        holds[C.CASH_ONLY] = {
            "until": f"score {row['cash_score']}, threshold {threshold}, until {_date(last)}",
            "score": row["cash_score"],
            "threshold": threshold,
        }
    if C.BANKRUPT in codes and row["customer__is_bankrupt"]:
        holds[C.BANKRUPT] = {"until": ""}
    if row.get("arrangement_number"):
        holds[C.ARRANGEMENT] = {"until": row["arrangement_number"]}
    if row.get("disconnect_number"):
        holds[C.SHUTOFF_PENDING] = {"until": row["disconnect_number"]}
    if row.get("medical_until"):
        holds[C.MEDICAL] = {"until": _date(row["medical_until"])}
    return [
        Alert(t.code, alert_text(t.text, **holds[t.code]), t.on_panel, t.on_payment)
        for t in types
        if t.code in holds
    ]


def account_alerts(ctx: PanelContext) -> list[Alert]:
    """This panel view's alerts, computed once per request."""
    if MEMO_KEY not in ctx.memo:
        ctx.memo[MEMO_KEY] = account_alerts_compute(account_id=ctx.account.pk, today=ctx.today)
    return ctx.memo[MEMO_KEY]


def alert_facts(ctx: PanelContext, facts: Facts) -> None:
    """The banner's alerts (facts provider)."""
    facts.alerts.extend(a.text for a in account_alerts(ctx) if a.on_panel)


def payment_entry_alerts(ctx: PanelContext) -> list[str]:
    """Payment entry's alerts (accounts.panel.register_payment_alerts)."""
    return [a.text for a in account_alerts(ctx) if a.on_payment]
