"""The ledger's invariants, each a query that returns the records breaching it."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class Breach:
    check: str
    record: str
    detail: str


# Each check: (name, SQL returning (record label, detail) rows, description). Amounts are
# compared through ROUND(..., 2): SQLite (the `make run` database) sums decimals as floats.
CHECKS: list[tuple[str, str, str]] = [
    (
        "gl_lines_balance",
        """SELECT 'FT ' || ft.id, 'GL lines sum to ' || COALESCE(SUM(gl.amount), 0)
           FROM accounts_financialtransaction ft
           LEFT JOIN accounts_glline gl ON gl.ft_id = ft.id
           WHERE ft.is_frozen
           GROUP BY ft.id HAVING ROUND(COALESCE(SUM(gl.amount), 0), 2) <> 0 OR COUNT(gl.id) < 2""",
        "every frozen FT has at least two GL lines summing to zero",
    ),
    (
        "sa_balance_cache",
        """SELECT 'SA ' || sa.id, 'cached ' || sa.balance || ' but FTs sum to ' || COALESCE(f.s, 0)
           FROM accounts_serviceagreement sa
           LEFT JOIN (SELECT sa_id, SUM(current_amount) s FROM accounts_financialtransaction
                      WHERE is_frozen GROUP BY sa_id) f ON f.sa_id = sa.id
           WHERE ROUND(sa.balance - COALESCE(f.s, 0), 2) <> 0""",
        "each SA's cached balance equals the sum of its frozen FTs",
    ),
    (
        "account_balance_cache",
        """SELECT 'Account ' || a.number, 'cached ' || a.balance || ' but FTs sum to '
                  || COALESCE(f.s, 0)
           FROM accounts_account a
           LEFT JOIN (SELECT account_id, SUM(current_amount) s
                      FROM accounts_financialtransaction
                      WHERE is_frozen GROUP BY account_id) f ON f.account_id = a.id
           WHERE ROUND(a.balance - COALESCE(f.s, 0), 2) <> 0""",
        "each account's cached balance equals the sum of its frozen FTs",
    ),
    (
        "ft_account_matches_sa",
        """SELECT 'FT ' || ft.id, 'account ' || ft.account_id || ' but SA belongs to '
                  || sa.account_id
           FROM accounts_financialtransaction ft
           JOIN accounts_serviceagreement sa ON sa.id = ft.sa_id
           WHERE ft.account_id <> sa.account_id""",
        "an FT's account is its SA's account",
    ),
    (
        "bill_total_matches_segments",
        """SELECT 'Bill ' || b.id, 'total ' || b.total || ' but segments sum to '
                  || COALESCE(s.s, 0)
           FROM accounts_bill b
           LEFT JOIN (SELECT bill_id, SUM(amount) s FROM accounts_billsegment
                      GROUP BY bill_id) s ON s.bill_id = b.id
           WHERE ROUND(b.total - COALESCE(s.s, 0), 2) <> 0""",
        "each bill's total equals the sum of its segments",
    ),
    (
        "complete_bill_posted",
        """SELECT 'Bill ' || b.id, 'segments ' || COALESCE(s.s, 0) || ' but charge FTs '
                  || COALESCE(f.s, 0)
           FROM accounts_bill b
           LEFT JOIN (SELECT bill_id, SUM(amount) s FROM accounts_billsegment
                      GROUP BY bill_id) s ON s.bill_id = b.id
           LEFT JOIN (SELECT bill_id, SUM(current_amount) s FROM accounts_financialtransaction
                      WHERE kind = 'bill_segment' AND is_frozen GROUP BY bill_id) f
                  ON f.bill_id = b.id
           WHERE b.status = 'complete' AND ROUND(COALESCE(s.s, 0) - COALESCE(f.s, 0), 2) <> 0""",
        "each complete bill's charge FTs equal its segments",
    ),
    (
        "cancellation_mirrors_original",
        """SELECT 'FT ' || c.id, 'cancels FT ' || o.id || ' of ' || o.current_amount
                  || ' with ' || c.current_amount
           FROM accounts_financialtransaction c
           JOIN accounts_financialtransaction o ON o.id = c.cancels_id
           WHERE ROUND(c.current_amount + o.current_amount, 2) <> 0 OR c.sa_id <> o.sa_id""",
        "a cancellation FT reverses exactly the FT it cancels",
    ),
]


def register_check(name: str, sql: str, description: str) -> None:
    """Add an invariant owned by another app (e.g. payments: events balance), so the
    ledger check covers it without accounts importing that app. Call from `ready()`;
    registering a name twice replaces the earlier check."""
    CHECKS[:] = [c for c in CHECKS if c[0] != name]
    CHECKS.append((name, sql, description))


def ledger_breaches(limit: int = 100) -> Iterator[Breach]:
    """Yield up to `limit` breaches per check."""
    with connection.cursor() as cursor:
        for name, sql, _ in CHECKS:
            cursor.execute(f"{sql} LIMIT {int(limit)}")  # noqa: S608 (constant SQL)
            for record, detail in cursor.fetchall():
                yield Breach(check=name, record=record, detail=detail)
