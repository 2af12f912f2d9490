"""Reads of the delinquency app: who is past due (set-based, for the nightly jobs) and which
policy applies to an account."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Q

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
    WHERE f.is_frozen AND f.cancels_id IS NULL
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
    account_filter = ""
    if account_ids is not None:
        params["ids"] = list(account_ids)
        account_filter = "AND f.account_id = ANY(%(ids)s)"
    sql = _PAST_DUE_SQL.format(account_filter=account_filter)
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
    effective one of the most specific scope that has one."""
    candidates = DelinquencyPolicy.objects.filter(
        Q(customer_type="") | Q(customer_type=customer_type),
        Q(revenue_class__isnull=True) | Q(revenue_class_id=revenue_class_id),
        effective_on__lte=on,
    ).select_related("penalty_adjustment_type")
    best = None
    for policy in candidates:
        key = (
            policy.revenue_class_id is not None,
            policy.customer_type != "",
            policy.effective_on,
        )
        if best is None or key > best[0]:
            best = (key, policy)
    return best[1] if best else None


class PolicyBook:
    """Every policy loaded once, for batch jobs: `book.for_account(account)`."""

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
