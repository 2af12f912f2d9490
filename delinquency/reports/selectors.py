"""The reports' queries, one per report. Each answers rows the user may see (private
customers only for `accounts.view_private_account`, accounts.selectors.sees_private), as
a queryset of dicts the view pages, sorts and streams, or, for the summaries, a list."""

import datetime as dt
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat

from accounts.models import CreditRatingEvent
from accounts.selectors import BASE_CREDIT_RATING, accounts_visible, rows_visible, sees_private
from delinquency.models import PenaltyDecision, ShutoffEvaluation, WriteOff
from delinquency.selectors import ClassAging, aging_by_revenue_class

from .forms import NoPenalty, NoPenaltyOption

ACCOUNT_FIELDS = (
    "pk",
    "number",
    "customer__customer_type",
    "customer__first_name",
    "customer__middle_name",
    "customer__last_name",
    "customer__business_name",
    "location__line1",
    "location__city",
    "location__revenue_class__code",
    "activity_status",
    "service_status",
    "balance",
    "credit_attributes__no_penalty",
    "credit_attributes__no_penalty_expires_on",
)


def _account_columns() -> dict:
    """The account number and the customer's sort name, per row (reports of account rows)."""
    return {
        "account_number": Coalesce("account__number", Value("")),
        "customer_sort": _customer_sort("account__"),
    }


def _customer_sort(via: str = ""):
    # One of business name / last name is blank depending on the customer's type.
    return Concat(
        f"{via}customer__business_name", f"{via}customer__last_name", f"{via}customer__first_name"
    )


def _accounts(user, data: dict) -> QuerySet:
    qs = accounts_visible(user=user).filter(is_suspense=False)
    if data.get("revenue_class"):
        qs = qs.filter(location__revenue_class=data["revenue_class"])
    option = data.get("no_penalty") or NoPenalty.ALL
    if option == NoPenalty.ONLY:
        qs = qs.filter(credit_attributes__no_penalty=True)
    elif option == NoPenalty.EXCLUDE:
        qs = qs.exclude(credit_attributes__no_penalty=True)
    return qs.annotate(customer_sort=_customer_sort())


def nonzero_balance_accounts(*, user, data: dict) -> QuerySet:
    """Non-Zero Balance report (seed 000): accounts whose balance is not zero, with the No
    Penalty flag and its expire date."""
    qs = _accounts(user, data).exclude(balance=0)
    if data.get("min_balance") is not None:
        qs = qs.filter(balance__gte=data["min_balance"])
    if data.get("max_balance") is not None:
        qs = qs.filter(balance__lte=data["max_balance"])
    return qs.values(*ACCOUNT_FIELDS, "customer_sort")


def account_grid_accounts(*, user, data: dict) -> QuerySet:
    """Grid Report - Account (seed 000): every account with No Penalty and No Penalty
    Expire Date among its columns; the past due is added per chunk of rows."""
    qs = _accounts(user, data)
    if data.get("activity_status"):
        qs = qs.filter(activity_status=data["activity_status"])
    if data.get("service_status"):
        qs = qs.filter(service_status=data["service_status"])
    if data.get("nonzero"):
        qs = qs.exclude(balance=0)
    return qs.values(*ACCOUNT_FIELDS, "customer_sort", "customer__account_status__description")


def _points(field: str, on: dt.date):
    events = (
        CreditRatingEvent.objects.filter(account=OuterRef("pk"), effective_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .order_by()
        .values("account")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(events, output_field=IntegerField()), Value(0))


def no_penalty_active_q(on: dt.date) -> Q:
    """CreditAttributes.no_penalty_active(on) as a filter on accounts."""
    return Q(credit_attributes__no_penalty=True) & (
        Q(credit_attributes__no_penalty_expires_on__isnull=True)
        | Q(credit_attributes__no_penalty_expires_on__gte=on)
    )


def credit_attribute_accounts(*, user, data: dict, cash_only_threshold: int) -> QuerySet:
    """Credit Attributes report: No Penalty (set, active on the date, expired), credit
    rating and cash-only score from the unexpired credit events, in one query."""
    on = data["on"]
    qs = (
        accounts_visible(user=user)
        .filter(is_suspense=False)
        .annotate(
            customer_sort=_customer_sort(),
            credit_rating=Value(BASE_CREDIT_RATING) + _points("credit_rating_points", on),
            cash_only_score=_points("cash_only_points", on),
            no_penalty_active=ExpressionWrapper(no_penalty_active_q(on), BooleanField()),
        )
    )
    if data.get("revenue_class"):
        qs = qs.filter(location__revenue_class=data["revenue_class"])
    option = data.get("no_penalty") or NoPenaltyOption.ALL
    if option == NoPenaltyOption.SET:
        qs = qs.filter(credit_attributes__no_penalty=True)
    elif option == NoPenaltyOption.ACTIVE:
        qs = qs.filter(no_penalty_active_q(on))
    elif option == NoPenaltyOption.EXPIRED:
        qs = qs.filter(
            credit_attributes__no_penalty=True, credit_attributes__no_penalty_expires_on__lt=on
        )
    if data.get("cash_only"):
        qs = qs.filter(cash_only_score__gte=cash_only_threshold)
    if data.get("max_rating") is not None:
        qs = qs.filter(credit_rating__lte=data["max_rating"])
    return qs.values(
        *ACCOUNT_FIELDS, "customer_sort", "credit_rating", "cash_only_score", "no_penalty_active"
    )


def aging_summary(*, user, data: dict) -> list[ClassAging]:
    """Aging summary by revenue class (delinquency.selectors.aging_by_revenue_class)."""
    rc = data.get("revenue_class")
    return aging_by_revenue_class(
        as_of=data["on"], include_private=sees_private(user=user), revenue_class_id=rc and rc.pk
    )


def latest_shutoff_date() -> dt.date | None:
    return ShutoffEvaluation.objects.order_by("-as_of").values_list("as_of", flat=True).first()


def shutoff_evaluations(*, user, data: dict) -> QuerySet:
    """Shut-off candidates with reasons: the shut-off job's evaluations of a date."""
    qs = rows_visible(
        ShutoffEvaluation.objects.filter(as_of=data["on"]), user=user, via="account__customer"
    )
    if data.get("eligible") == "yes":
        qs = qs.filter(is_eligible=True)
    elif data.get("eligible") == "no":
        qs = qs.filter(is_eligible=False)
    if data.get("revenue_class"):
        qs = qs.filter(account__location__revenue_class=data["revenue_class"])
    return qs.annotate(
        **_account_columns(),
    ).values(
        "pk",
        "as_of",
        "account_number",
        "customer_sort",
        "account__customer__customer_type",
        "account__customer__first_name",
        "account__customer__middle_name",
        "account__customer__last_name",
        "account__customer__business_name",
        "account__location__line1",
        "account__location__revenue_class__code",
        "is_eligible",
        "reason",
        "checks",
        "past_due",
        "service_order__number",
        "service_order__status",
    )


def _penalties(user, data: dict) -> QuerySet:
    qs = rows_visible(
        PenaltyDecision.objects.filter(as_of__gte=data["date_from"], as_of__lte=data["date_to"]),
        user=user,
        via="account__customer",
    )
    for name in ("outcome", "reason"):
        if data.get(name):
            qs = qs.filter(**{name: data[name]})
    if data.get("revenue_class"):
        qs = qs.filter(account__location__revenue_class=data["revenue_class"])
    return qs


def penalty_decisions(*, user, data: dict) -> QuerySet:
    """Penalties charged and skipped: the penalty job's decisions in a date range."""
    return (
        _penalties(user, data)
        .annotate(
            **_account_columns(),
        )
        .values(
            "pk",
            "as_of",
            "account_number",
            "customer_sort",
            "account__customer__customer_type",
            "account__customer__first_name",
            "account__customer__middle_name",
            "account__customer__last_name",
            "account__customer__business_name",
            "outcome",
            "reason",
            "detail",
            "past_due",
            "amount",
        )
    )


def penalty_summary(*, user, data: dict) -> list[dict]:
    """Counts and sums per outcome and reason, charged first, in one query."""
    rows = (
        _penalties(user, data)
        .order_by()
        .values("outcome", "reason")
        .annotate(
            decisions=Count("pk"),
            past_due=Coalesce(Sum("past_due"), Value(Decimal("0"))),
            amount=Coalesce(Sum("amount"), Value(Decimal("0"))),
        )
    )
    order = {value: i for i, value in enumerate(PenaltyDecision.Reason.values)}
    return sorted(rows, key=lambda r: (r["outcome"] != "charged", order.get(r["reason"], 99)))


def write_offs(*, user, data: dict) -> QuerySet:
    """Write-offs (README "Write-offs"): each write-off with what payments recovered and
    its collections referral."""
    qs = rows_visible(WriteOff.objects.all(), user=user, via="account__customer")
    if data.get("date_from"):
        qs = qs.filter(written_off_on__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(written_off_on__lte=data["date_to"])
    if data.get("referred") in ("yes", "no"):
        qs = qs.filter(refer_to_collections=data["referred"] == "yes")
    if data.get("revenue_class"):
        qs = qs.filter(account__location__revenue_class=data["revenue_class"])
    return qs.annotate(
        **_account_columns(),
        remaining=ExpressionWrapper(
            F("amount") - F("recovered"), output_field=DecimalField(max_digits=14, decimal_places=2)
        ),
    ).values(
        "pk",
        "written_off_on",
        "account_number",
        "customer_sort",
        "account__customer__customer_type",
        "account__customer__first_name",
        "account__customer__middle_name",
        "account__customer__last_name",
        "account__customer__business_name",
        "amount",
        "recovered",
        "remaining",
        "refer_to_collections",
        "referred_on",
        "reason",
    )


def write_off_totals(*, user, data: dict) -> dict:
    return (
        write_offs(user=user, data=data)
        .order_by()
        .aggregate(
            count=Count("pk"),
            amount=Coalesce(Sum("amount"), Value(Decimal("0"))),
            recovered=Coalesce(Sum("recovered"), Value(Decimal("0"))),
        )
    )
