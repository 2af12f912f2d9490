"""Shut-off eligibility (issue 12 item 7): the `shutoff_candidates` job's verdict per
account and business date, with every rule it checked.

For each account with a past-due amount on the date, in this order (the first rule that
fails is the evaluation's `reason`; all are recorded in `checks`):

  already_shut_off   Account.service_status is shut off
  open_disconnect    an open or dispatched disconnect order exists already
  past_due           past due >= policy.shutoff_minimum_past_due
  days_past_due      the oldest open charge is >= policy.shutoff_days_past_due days late
  notice             a late notice for this delinquency (on or after the oldest open
                     charge's due date) sent >= policy.shutoff_notice_business_days
                     business days before the date
  medical            no valid medical certificate (certified_on <= date <= expires_on)
  life_support       no active special condition whose type protects_from_shutoff, at
                     account, customer or location level, in effect on the date
  moratorium         no weather moratorium day for the date in the location's territory
                     (postal prefix or city) or for all territories
  arrangement        no active payment arrangement (nor a broken one inside its grace)
  bankruptcy         the customer is not bankrupt
  dispute            no open bill dispute
  no_penalty         informational, always passes: No Penalty is not a protection

An eligible account gets one disconnect service order (serviceorders' service, origin
job), linked from the evaluation. Everything for a chunk of accounts is read in a fixed
number of queries; only eligible accounts cost more (the order). The accounts are locked
first, so a re-run or a second worker never makes a second order: the evaluation is
UNIQUE(account, as_of) and an open disconnect blocks a new one.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Q

from accounts.lock_objects import account_ids_lock
from accounts.models import Account, SpecialCondition
from cis.bulk import bulk_insert, id_in
from cis.money import ZERO
from serviceorders.models import ServiceOrder, ServiceOrderKind, ServiceOrderType, TierStatus
from serviceorders.services.orders import service_orders_create_bulk

from ..business_days import business_days_add, business_days_before, business_days_between
from ..models import (
    Arrangement,
    BillDispute,
    CreditAttributes,
    LateNotice,
    MedicalCertificate,
    MoratoriumDay,
    ServiceTerritory,
    ShutoffEvaluation,
)
from ..selectors import PastDue, PolicyBook, past_due_accounts

DISCONNECT_TYPE = "DISCNP"
NOTICE_TIER = "NOTICE"

RULES = {
    "already_shut_off": "Service is connected",
    "open_disconnect": "No open disconnect order",
    "past_due": "Past due at least the policy minimum",
    "days_past_due": "Oldest charge late enough",
    "notice": "Late notice sent early enough",
    "medical": "No valid medical certificate",
    "life_support": "No life-support special condition",
    "moratorium": "No weather moratorium today",
    "arrangement": "No active payment arrangement",
    "bankruptcy": "Customer not bankrupt",
    "dispute": "No open bill dispute",
    "no_penalty": "No Penalty (not a protection)",
}


def rule_label(rule: str) -> str:
    return RULES.get(rule, rule)


@dataclass
class ShutoffResult:
    evaluated: int = 0
    eligible: int = 0
    skipped: int = 0  # not past due at all: nothing to evaluate
    orders: list = field(default_factory=list)
    blocked: dict = field(default_factory=lambda: defaultdict(int))


def territory_matches(territory: ServiceTerritory, location) -> bool:
    postal = (location.postal_code or "").replace(" ", "").upper()
    city = (location.city or "").strip().lower()
    prefixes = [str(p).replace(" ", "").upper() for p in territory.postal_prefixes or []]
    if any(p and postal.startswith(p) for p in prefixes):
        return True
    return city != "" and city in {str(c).strip().lower() for c in territory.cities or []}


def territories_for(location, territories: Iterable[ServiceTerritory]) -> list[ServiceTerritory]:
    return [t for t in territories if territory_matches(t, location)]


def moratorium_days_for(location, *, since: dt.date | None = None):
    """The moratorium days that apply to a location (its territories' and everyone's)."""
    ids = [t.pk for t in territories_for(location, ServiceTerritory.objects.all())]
    days = MoratoriumDay.objects.filter(Q(territory__isnull=True) | Q(territory_id__in=ids))
    if since is not None:
        days = days.filter(day__gte=since)
    return days.select_related("territory").order_by("day")


class _Facts:
    """Every protection of a chunk of accounts on a date, in one query each."""

    def __init__(self, accounts: list[Account], as_of: dt.date):
        ids = [a.pk for a in accounts]
        customer_ids = {a.customer_id for a in accounts}
        location_ids = {a.location_id for a in accounts}
        # Every notice of the chunk up to the date, oldest first: the rule takes the first
        # one on or after the account's oldest open charge's due date.
        self.notices = defaultdict(list)
        for account_id, day in (
            LateNotice.objects.filter(account_id__in=id_in(ids), notice_date__lte=as_of)
            .order_by("account_id", "notice_date")
            .values_list("account_id", "notice_date")
        ):
            self.notices[account_id].append(day)
        self.medical = dict(
            MedicalCertificate.objects.filter(
                account_id__in=id_in(ids), certified_on__lte=as_of, expires_on__gte=as_of
            )
            .values("account_id")
            .annotate(until=Max("expires_on"))
            .values_list("account_id", "until")
        )
        conditions = SpecialCondition.objects.filter(
            Q(level="account", account_id__in=id_in(ids))
            | Q(level="customer", customer_id__in=id_in(customer_ids))
            | Q(level="location", location_id__in=id_in(location_ids)),
            is_active=True,
            condition_type__protects_from_shutoff=True,
            effective_on__lte=as_of,
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=as_of))
        self.conditions = defaultdict(list)
        for level, account_id, customer_id, location_id, code in conditions.values_list(
            "level", "account_id", "customer_id", "location_id", "condition_type__code"
        ):
            key = {"account": ("a", account_id), "customer": ("c", customer_id)}.get(
                level, ("l", location_id)
            )
            self.conditions[key].append(f"{code} ({level})")
        days = list(MoratoriumDay.objects.filter(day=as_of).select_related("territory"))
        self.moratorium_everywhere = next((d for d in days if d.territory_id is None), None)
        self.moratorium_days = [d for d in days if d.territory_id is not None]
        self.arrangements = {
            a.account_id: a
            for a in Arrangement.objects.filter(account_id__in=id_in(ids)).filter(
                Q(status=Arrangement.Status.ACTIVE)
                | Q(status=Arrangement.Status.BROKEN, protects_until__gte=as_of)
            )
        }
        self.disputes = defaultdict(list)
        for account_id, bill_id, opened in BillDispute.objects.filter(
            account_id__in=id_in(ids), resolved_on__isnull=True, opened_on__lte=as_of
        ).values_list("account_id", "bill_id", "opened_on"):
            self.disputes[account_id].append((bill_id, opened))
        self.open_disconnects = defaultdict(list)
        for account_id, number in ServiceOrder.objects.filter(
            account_id__in=id_in(ids),
            kind=ServiceOrderKind.DISCONNECT,
            status__in=ServiceOrder.INCOMPLETE,
        ).values_list("account_id", "number"):
            self.open_disconnects[account_id].append(number)
        self.no_penalty = {
            c.account_id: c
            for c in CreditAttributes.objects.filter(account_id__in=id_in(ids), no_penalty=True)
        }

    def moratorium_for(self, location) -> MoratoriumDay | None:
        if self.moratorium_everywhere is not None:
            return self.moratorium_everywhere
        for day in self.moratorium_days:
            if territory_matches(day.territory, location):
                return day
        return None


def _checks(account: Account, row: PastDue, policy, facts: _Facts, as_of: dt.date) -> list[dict]:
    checks = []

    def check(rule, passed, detail):
        checks.append({"rule": rule, "passed": bool(passed), "detail": detail})

    shut = account.service_status == Account.ServiceStatus.SHUT_OFF
    check("already_shut_off", not shut, "Shut off already" if shut else "Connected")
    orders = facts.open_disconnects.get(account.pk)
    check(
        "open_disconnect",
        not orders,
        f"Disconnect order {', '.join(orders)} is open" if orders else "None open",
    )
    minimum = policy.shutoff_minimum_past_due if policy else None
    if policy is None:
        check("past_due", False, "No delinquency policy applies")
    else:
        check(
            "past_due",
            row.past_due >= minimum,
            f"Past due {row.past_due}, minimum {minimum}",
        )
        days = row.days_past_due(as_of)
        check(
            "days_past_due",
            days >= policy.shutoff_days_past_due,
            f"Oldest open charge due {row.oldest_due:%m/%d/%Y}: {days} days late, "
            f"policy {policy.shutoff_days_past_due}",
        )
        lead = policy.shutoff_notice_business_days
        first = next((d for d in facts.notices.get(account.pk, []) if d >= row.oldest_due), None)
        if first is None:
            check("notice", False, "No late notice for this past-due amount")
        else:
            sent = business_days_between(first, as_of)
            check(
                "notice",
                sent >= lead,
                f"Late notice of {first:%m/%d/%Y}: {sent} business days before, policy {lead} "
                f"(first shut-off day {_first_day(first, lead):%m/%d/%Y})",
            )
    until = facts.medical.get(account.pk)
    check(
        "medical",
        until is None,
        f"Medical certificate valid until {until:%m/%d/%Y}" if until else "None valid",
    )
    conditions = (
        facts.conditions.get(("a", account.pk), [])
        + facts.conditions.get(("c", account.customer_id), [])
        + facts.conditions.get(("l", account.location_id), [])
    )
    check("life_support", not conditions, ", ".join(conditions) or "None")
    day = facts.moratorium_for(account.location)
    check(
        "moratorium",
        day is None,
        (
            f"{day.get_kind_display()} weather moratorium in {day.territory or 'all territories'}"
            + (f": {day.reason}" if day.reason else "")
        )
        if day
        else "None today",
    )
    arrangement = facts.arrangements.get(account.pk)
    if arrangement is None:
        check("arrangement", True, "None active")
    elif arrangement.status == Arrangement.Status.ACTIVE:
        check("arrangement", False, f"Arrangement {arrangement.number} is active")
    else:
        check(
            "arrangement",
            False,
            f"Arrangement {arrangement.number} broken; protects until "
            f"{arrangement.protects_until:%m/%d/%Y}",
        )
    bankrupt = account.customer.is_bankrupt
    check("bankruptcy", not bankrupt, "Customer is bankrupt" if bankrupt else "Not bankrupt")
    disputes = facts.disputes.get(account.pk, [])
    check(
        "dispute",
        not disputes,
        "; ".join(f"Bill {b} disputed since {o:%m/%d/%Y}" for b, o in disputes) or "None open",
    )
    attributes = facts.no_penalty.get(account.pk)
    check(
        "no_penalty",
        True,
        "No Penalty is set: it stops late charges, not a shut-off"
        if attributes and attributes.no_penalty_active(as_of)
        else "Not set",
    )
    return checks


def _first_day(notice: dt.date, lead: int) -> dt.date:
    """The first day `lead` business days after the notice (the notice day for none)."""
    return business_days_add(notice, lead)


def disconnect_type() -> ServiceOrderType:
    found = ServiceOrderType.objects.filter(code=DISCONNECT_TYPE, is_active=True).first()
    if found is None:
        found = (
            ServiceOrderType.objects.filter(kind=ServiceOrderKind.DISCONNECT, is_active=True)
            .order_by("code")
            .first()
        )
    if found is None:
        raise ServiceOrderType.DoesNotExist("no active disconnect service order type")
    return found


@transaction.atomic
def shutoff_evaluate(
    *, account_ids: Iterable[int], as_of: dt.date, batch_run=None, book: PolicyBook | None = None
) -> ShutoffResult:
    """Evaluate these accounts for shut-off on `as_of` (see the module doc). Accounts
    evaluated for the date already are left as they are; accounts not past due are
    skipped (nothing to explain)."""
    result = ShutoffResult()
    locked = account_ids_lock(account_ids)  # a second worker waits here, then sees ours
    done = set(
        ShutoffEvaluation.objects.filter(account_id__in=id_in(locked), as_of=as_of).values_list(
            "account_id", flat=True
        )
    )
    todo = [pk for pk in locked if pk not in done]
    if not todo:
        return result
    rows = {r.account_id: r for r in past_due_accounts(as_of=as_of, account_ids=todo)}
    result.skipped = len(todo) - len(rows)
    accounts = list(
        Account.objects.filter(pk__in=id_in(list(rows)))
        .select_related("customer", "location")
        .order_by("pk")
    )
    if not accounts:
        return result
    book = book or PolicyBook(on=as_of)
    facts = _Facts(accounts, as_of)
    evaluations, eligible = [], []
    batch_run_id = getattr(batch_run, "pk", None)
    for account in accounts:
        row = rows[account.pk]
        policy = book.get(account.customer.customer_type, account.location.revenue_class_id)
        checks = _checks(account, row, policy, facts, as_of)
        failed = next((c for c in checks if not c["passed"]), None)
        evaluation = ShutoffEvaluation(
            account_id=account.pk,
            as_of=as_of,
            is_eligible=failed is None,
            reason=(
                f"{rule_label(failed['rule'])}: {failed['detail']}"
                if failed
                else "Eligible: past due, noticed, no protection"
            )[:200],
            checks=checks,
            past_due=row.past_due,
            batch_run_id=batch_run_id,
        )
        if failed is None:
            eligible.append((evaluation, account, row))
        else:
            result.blocked[failed["rule"]] += 1
        evaluations.append(evaluation)
    if eligible:
        # One disconnect order per eligible account, in one insert (serviceorders' bulk
        # service: the same checks, numbers and rows as one service_order_create each).
        orders = service_orders_create_bulk(
            accounts=[account for _, account, _ in eligible],
            type=disconnect_type(),
            effective_date=as_of,
            tier_status=TierStatus.objects.filter(code=NOTICE_TIER).first(),
            origin=ServiceOrder.Origin.JOB,
            notes=[
                f"Shut-off candidate {as_of:%m/%d/%Y}: past due {row.past_due}"
                for _, _, row in eligible
            ],
        )
        for (evaluation, _, _), order in zip(eligible, orders, strict=True):
            evaluation.service_order = order
        result.eligible = len(orders)
        result.orders = orders
    bulk_insert(ShutoffEvaluation, evaluations)
    result.evaluated = len(evaluations)
    return result


def shutoff_candidates_select(business_date: dt.date):
    """The job's work items: accounts that could be past due (a positive balance) and
    have no evaluation for the date yet."""
    return (
        Account.objects.filter(is_suspense=False, balance__gt=ZERO)
        .exclude(shutoff_evaluations__as_of=business_date)
        .order_by("pk")
    )


def latest_evaluations(*, account: Account, limit: int = 10):
    return ShutoffEvaluation.objects.filter(account=account).select_related("service_order")[:limit]


def explain(evaluation: ShutoffEvaluation) -> list[dict]:
    """The evaluation's checks with their labels, for the panel."""
    return [{**c, "label": rule_label(c.get("rule", ""))} for c in evaluation.checks or []]


def notice_lead_first_day(notice_date: dt.date, lead: int) -> dt.date:
    return _first_day(notice_date, lead)


__all__ = [
    "ShutoffResult",
    "business_days_before",
    "disconnect_type",
    "explain",
    "latest_evaluations",
    "moratorium_days_for",
    "shutoff_candidates_select",
    "shutoff_evaluate",
]
