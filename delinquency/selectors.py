"""Reads of the delinquency app: who is past due (set-based, for the nightly jobs) and which
policy applies to an account."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from accounts.models import Account

from .models import DelinquencyPolicy

# The FTs that age (accounts.selectors.account_aging_rows, in SQL): frozen, and neither a
# cancellation nor cancelled by a frozen one. Credits pay the oldest charges first, so the
# past-due amount is what the charges due before the day exceed all credits by, and the
# oldest open charge is the first whose running total passes the credits.
_PAST_DUE_SQL = """
WITH ft AS (
    SELECT f.id, f.account_id, f.current_amount AS amount,
           COALESCE(f.arrears_date, %(as_of)s) AS due, f.bill_id
    FROM accounts_financialtransaction f
    WHERE f.is_frozen AND {not_a_cancellation}
      AND NOT EXISTS (
          SELECT 1 FROM accounts_financialtransaction c WHERE c.cancels_id = f.id AND c.is_frozen
      )
      {account_filter}
),
credit AS (
    SELECT account_id, -SUM(amount) AS credit FROM ft WHERE amount < 0 GROUP BY account_id
),
charges AS (
    SELECT ft.account_id, ft.due, ft.amount, ft.bill_id, COALESCE(cr.credit, 0) AS credit,
           SUM(ft.amount) OVER (PARTITION BY ft.account_id ORDER BY ft.due, ft.id) AS running
    FROM ft LEFT JOIN credit cr ON cr.account_id = ft.account_id
    WHERE ft.amount > 0
),
aged AS (
    SELECT account_id,
           GREATEST(0, COALESCE(SUM(amount) FILTER (WHERE due < %(as_of)s), 0) - MAX(credit))
               AS past_due,
           MIN(due) FILTER (WHERE running > credit) AS oldest_due,
           (ARRAY_AGG(bill_id ORDER BY due, running)
               FILTER (WHERE running > credit AND bill_id IS NOT NULL))[1] AS oldest_bill_id
    FROM charges
    GROUP BY account_id
)
SELECT aged.account_id, aged.past_due, aged.oldest_due, aged.oldest_bill_id
FROM aged JOIN accounts_account a ON a.id = aged.account_id
WHERE aged.past_due > 0 AND aged.past_due >= %(minimum)s AND NOT a.is_suspense
ORDER BY aged.account_id
"""


@dataclass(frozen=True)
class PastDue:
    account_id: int
    past_due: Decimal
    oldest_due: dt.date  # due date of the oldest charge not yet paid
    oldest_bill_id: int | None  # the bill of that charge, when it is a bill's

    def days_past_due(self, as_of: dt.date) -> int:
        return (as_of - self.oldest_due).days


def past_due_accounts(
    *, as_of: dt.date, minimum: Decimal = Decimal("0.01"), account_ids: Iterable[int] | None = None
) -> list[PastDue]:
    """Every account with a past-due amount of at least `minimum` on `as_of`, in one query.
    Agrees with `accounts.selectors.account_aging(...).past_due` account by account."""
    params: dict = {"as_of": as_of, "minimum": minimum}
    account_filter, not_a_cancellation = "", "f.cancels_id IS NULL"
    if account_ids is not None:
        params["ids"] = list(account_ids)
        account_filter = "AND f.account_id = ANY(%(ids)s::bigint[])"
        # For a chunk of accounts the FTs are read through the account index. Written as
        # COALESCE, the test cannot use the cancels_id index, which the planner otherwise
        # picks when its statistics lag behind a night's bulk inserts (they estimate a few
        # rows with no cancels_id): that reads every FT in the table for each chunk.
        not_a_cancellation = "COALESCE(f.cancels_id, 0) = 0"
    sql = _PAST_DUE_SQL.format(account_filter=account_filter, not_a_cancellation=not_a_cancellation)
    if connection.vendor != "postgresql":  # make run's SQLite: the same, account by account
        return _past_due_python(as_of=as_of, minimum=minimum, account_ids=account_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [PastDue(*row) for row in cursor.fetchall()]


def _past_due_python(*, as_of, minimum, account_ids) -> list[PastDue]:
    from accounts.selectors import account_aging_rows

    accounts = Account.objects.filter(is_suspense=False, balance__gt=0)
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    rows = []
    for account in accounts.order_by("pk"):
        fts = list(
            account_aging_rows(account=account).values_list(
                "pk", "arrears_date", "current_amount", "bill_id"
            )
        )
        credit = -sum((a for _, _, a, _ in fts if a < 0), Decimal(0))
        charges = sorted(
            ((due or as_of, pk, amount, bill) for pk, due, amount, bill in fts if amount > 0)
        )
        past = sum((a for due, _, a, _ in charges if due < as_of), Decimal(0)) - credit
        if past <= 0 or past < minimum:
            continue
        running = Decimal(0)
        oldest_due, oldest_bill = None, None
        for due, _, amount, bill in charges:
            running += amount
            if running > credit:
                oldest_due = oldest_due or due
                if bill is not None:
                    oldest_bill = bill
                    break
        rows.append(PastDue(account.pk, past, oldest_due, oldest_bill))
    return rows


def policy_for(
    *, customer_type: str, revenue_class_id: int | None, on: dt.date
) -> DelinquencyPolicy | None:
    """The policy in effect on `on` for a customer type and revenue class: the latest
    effective one of the most specific scope that has one (PolicyBook's rule, for one)."""
    return PolicyBook(on=on).get(customer_type, revenue_class_id)


class PolicyBook:
    """Every policy in effect on a day loaded once, for batch jobs:
    `book.get(customer_type, revenue_class_id)`."""

    def __init__(self, *, on: dt.date):
        self.on = on
        self._policies = list(
            DelinquencyPolicy.objects.filter(effective_on__lte=on).select_related(
                "penalty_adjustment_type"
            )
        )
        self._cache: dict[tuple[str, int | None], DelinquencyPolicy | None] = {}

    def get(self, customer_type: str, revenue_class_id: int | None) -> DelinquencyPolicy | None:
        key = (customer_type, revenue_class_id)
        if key not in self._cache:
            best = None
            for policy in self._policies:
                if policy.customer_type not in ("", customer_type):
                    continue
                if policy.revenue_class_id not in (None, revenue_class_id):
                    continue
                rank = (
                    policy.revenue_class_id is not None,
                    policy.customer_type != "",
                    policy.effective_on,
                )
                if best is None or rank > best[0]:
                    best = (rank, policy)
            self._cache[key] = best[1] if best else None
        return self._cache[key]


# Aging buckets for every account in one query (the Aging summary report). The same FTs as
# past_due_accounts; credits pay the oldest charges first, so a charge's open part is what
# the running total of charges up to it exceeds all credits by (at most its amount), and it
# ages by its due date like accounts.selectors.aging_compute: due on or after the day =
# current, then 1-30, 31-60, 61-90 and over 90 days late. Credits beyond every charge stay
# unapplied (negative): the buckets plus the unapplied credit are the balance.
_AGING_SQL = """
WITH ft AS (
    SELECT f.id, f.account_id, f.current_amount AS amount,
           COALESCE(f.arrears_date, %(as_of)s) AS due
    FROM accounts_financialtransaction f
    WHERE f.is_frozen AND f.cancels_id IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM accounts_financialtransaction c WHERE c.cancels_id = f.id AND c.is_frozen
      )
      {account_filter}
),
totals AS (
    SELECT account_id, SUM(amount) AS balance,
           COALESCE(-SUM(amount) FILTER (WHERE amount < 0), 0) AS credit
    FROM ft GROUP BY account_id
),
charges AS (
    SELECT ft.account_id, CAST(%(as_of)s AS date) - ft.due AS days, ft.amount, t.credit,
           SUM(ft.amount) OVER (PARTITION BY ft.account_id ORDER BY ft.due, ft.id) AS running
    FROM ft JOIN totals t ON t.account_id = ft.account_id
    WHERE ft.amount > 0
),
open AS (
    SELECT account_id, days, LEAST(amount, GREATEST(0, running - credit)) AS amount FROM charges
),
buckets AS (
    SELECT account_id,
           COALESCE(SUM(amount) FILTER (WHERE days <= 0), 0) AS current,
           COALESCE(SUM(amount) FILTER (WHERE days BETWEEN 1 AND 30), 0) AS days_0_30,
           COALESCE(SUM(amount) FILTER (WHERE days BETWEEN 31 AND 60), 0) AS days_31_60,
           COALESCE(SUM(amount) FILTER (WHERE days BETWEEN 61 AND 90), 0) AS days_61_90,
           COALESCE(SUM(amount) FILTER (WHERE days > 90), 0) AS days_over_90
    FROM open GROUP BY account_id
),
aged AS (
    SELECT t.account_id, t.balance,
           COALESCE(b.current, 0) AS current, COALESCE(b.days_0_30, 0) AS days_0_30,
           COALESCE(b.days_31_60, 0) AS days_31_60, COALESCE(b.days_61_90, 0) AS days_61_90,
           COALESCE(b.days_over_90, 0) AS days_over_90
    FROM totals t LEFT JOIN buckets b ON b.account_id = t.account_id
)
{select}
"""

_AGING_PER_ACCOUNT = """
SELECT aged.account_id, aged.balance, aged.current, aged.days_0_30, aged.days_31_60,
       aged.days_61_90, aged.days_over_90
FROM aged JOIN accounts_account a ON a.id = aged.account_id
WHERE NOT a.is_suspense
ORDER BY aged.account_id
"""

_AGING_BY_CLASS = """
SELECT rc.code, rc.description,
       COUNT(*) FILTER (WHERE aged.balance <> 0 OR aged.current + aged.days_0_30 > 0
                        OR aged.days_31_60 + aged.days_61_90 + aged.days_over_90 > 0),
       SUM(aged.current), SUM(aged.days_0_30), SUM(aged.days_31_60), SUM(aged.days_61_90),
       SUM(aged.days_over_90), SUM(aged.balance)
FROM aged
JOIN accounts_account a ON a.id = aged.account_id
JOIN accounts_customer c ON c.id = a.customer_id
JOIN accounts_location l ON l.id = a.location_id
JOIN accounts_revenueclass rc ON rc.id = l.revenue_class_id
WHERE NOT a.is_suspense AND (c.is_public OR %(private)s) {class_filter}
GROUP BY rc.code, rc.description
ORDER BY rc.code
"""


@dataclass(frozen=True)
class AgingBuckets:
    account_id: int
    balance: Decimal
    current: Decimal
    days_0_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_over_90: Decimal

    @property
    def past_due(self) -> Decimal:
        return self.days_0_30 + self.days_31_60 + self.days_61_90 + self.days_over_90

    @property
    def unapplied_credit(self) -> Decimal:
        """Credit no charge is left to take (zero or negative)."""
        return self.balance - self.current - self.past_due


@dataclass(frozen=True)
class ClassAging:
    """The Aging summary's row for a revenue class: sums of its accounts' buckets."""

    code: str
    description: str
    accounts: int
    current: Decimal
    days_0_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_over_90: Decimal
    balance: Decimal

    @property
    def unapplied_credit(self) -> Decimal:
        aged = self.current + self.days_0_30 + self.days_31_60 + self.days_61_90
        return self.balance - aged - self.days_over_90


def aging_buckets(
    *, as_of: dt.date, account_ids: Iterable[int] | None = None
) -> list[AgingBuckets]:
    """Every account's aging on `as_of` in one query (accounts with aging FTs, suspense
    accounts left out). Agrees with `accounts.selectors.account_aging` account by account."""
    params: dict = {"as_of": as_of}
    account_filter = ""
    if account_ids is not None:
        params["ids"] = list(account_ids)
        account_filter = "AND f.account_id = ANY(%(ids)s)"
    if connection.vendor != "postgresql":
        return _aging_python(as_of=as_of, account_ids=account_ids)
    sql = _AGING_SQL.format(account_filter=account_filter, select=_AGING_PER_ACCOUNT)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [AgingBuckets(*row) for row in cursor.fetchall()]


def _aging_python(*, as_of, account_ids) -> list[AgingBuckets]:
    from accounts.selectors import account_aging

    accounts = Account.objects.filter(is_suspense=False, fts__is_frozen=True).distinct()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    rows = []
    for account in accounts.order_by("pk"):
        a = account_aging(account=account, as_of=as_of)
        rows.append(
            AgingBuckets(
                account.pk,
                a.balance,
                a.current,
                a.days_0_30,
                a.days_31_60,
                a.days_61_90,
                a.days_over_90,
            )
        )
    return rows


def aging_by_revenue_class(
    *, as_of: dt.date, include_private: bool, revenue_class_id: int | None = None
) -> list[ClassAging]:
    """The Aging summary: buckets summed per revenue class (of the account's location) in
    one query. Private customers' accounts count only when `include_private`."""
    if connection.vendor != "postgresql":
        return _aging_by_class_python(
            as_of=as_of, include_private=include_private, revenue_class_id=revenue_class_id
        )
    params: dict = {"as_of": as_of, "private": include_private}
    class_filter = ""
    if revenue_class_id is not None:
        params["rc"] = revenue_class_id
        class_filter = "AND rc.id = %(rc)s"
    sql = _AGING_SQL.format(
        account_filter="", select=_AGING_BY_CLASS.format(class_filter=class_filter)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [ClassAging(*row) for row in cursor.fetchall()]


def _aging_by_class_python(*, as_of, include_private, revenue_class_id) -> list[ClassAging]:
    accounts = Account.objects.filter(is_suspense=False)
    if not include_private:
        accounts = accounts.filter(customer__is_public=True)
    if revenue_class_id is not None:
        accounts = accounts.filter(location__revenue_class_id=revenue_class_id)
    classes = dict(accounts.values_list("pk", "location__revenue_class__code"))
    names = dict(
        accounts.values_list(
            "location__revenue_class__code", "location__revenue_class__description"
        )
    )
    sums: dict[str, list] = {}
    for row in _aging_python(as_of=as_of, account_ids=list(classes)):
        values = (row.current, row.days_0_30, row.days_31_60, row.days_61_90, row.days_over_90)
        acc = sums.setdefault(classes[row.account_id], [0] + [Decimal(0)] * 6)
        acc[0] += 1 if row.balance or any(values) else 0
        for i, v in enumerate((*values, row.balance), start=1):
            acc[i] += v
    return [ClassAging(code, names[code], *sums[code]) for code in sorted(sums)]
