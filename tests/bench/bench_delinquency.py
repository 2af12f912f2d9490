"""Delinquency at nightly scale (`make bench`; issue 12 "Performance").

For each size of BENCH_DELINQUENCY_SIZES (default 10,000 and 100,000; a quick run:
BENCH_DELINQUENCY_SIZES=1000,5000), that many new accounts (customer, location, account,
one WATER SA, written with COPY: `seed_demo` is far too slow at 100,000), each with one
bill completed by the real `complete_bills` job. One account in twenty owes 161.37 (a
shut-off candidate once late enough), the rest 41.37 (noticed and penalised, below the
shut-off minimum). Then the three jobs, through `cis.batch.batch_run`, each timed:

  delinquency_notices     10 days after the due date
  delinquency_penalties   25 days after the due date
  shutoff_candidates      50 days after the due date (the notices are 40 days old)

It prints accounts/s, ms per account and SQL statements per job, the total (target: the
three under 2 minutes for 100,000 on 2 cores, and the per-account cost flat from 10,000 to
100,000), and for each job the ratio to the raw PostgreSQL floor measured in the same run:
the rows the job wrote (notices; decisions, adjustments, FTs and GL lines; evaluations and
service orders), copied again with COPY into constraint-free temporary tables of the same
shape. Then it checks the outcome: one notice per account, one penalty per account, one
disconnect order per candidate, `check_ledger` clean. No timing is asserted.

Knobs for finding where the time goes: BENCH_DELINQUENCY_PROFILE=N prints each job's N
costliest functions (cProfile, by own time and by cumulative time);
BENCH_DELINQUENCY_SQL=N prints each job's N costliest statements (grouped by their first
80 characters: count and seconds).
"""

import cProfile
import datetime as dt
import io
import os
import pstats
import re
import time
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import (
    Account,
    Bill,
    BillSegment,
)
from accounts.reference import reference_data_load as accounts_reference_load
from cis.batch import batch_run
from cis.bulk import bulk_insert_rows
from tests.bench.builders import account_batches

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

SIZES = [int(s) for s in os.environ.get("BENCH_DELINQUENCY_SIZES", "10000,100000").split(",")]
FIRST_BILL_DATE = dt.date(2026, 1, 5)  # a Monday
SMALL, LARGE = Decimal("41.37"), Decimal("161.37")
TARGET_SECONDS = 120
PROFILE = int(os.environ.get("BENCH_DELINQUENCY_PROFILE", "0"))
SQL = int(os.environ.get("BENCH_DELINQUENCY_SQL", "0"))
JOBS = [
    ("delinquency_notices", 10, ["delinquency_latenotice"]),
    (
        "delinquency_penalties",
        25,
        [
            "delinquency_penaltydecision",
            "accounts_adjustment",
            "accounts_financialtransaction",
            "accounts_glline",
        ],
    ),
    ("shutoff_candidates", 50, ["delinquency_shutoffevaluation", "serviceorders_serviceorder"]),
]


class _Statements:
    def __init__(self):
        self.count = 0
        self.by_text: dict[str, list] = defaultdict(lambda: [0, 0.0])

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if not SQL:
            return execute(sql, params, many, context)
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = self.by_text[re.sub(r"\s+", " ", sql)[:80]]
            entry[0] += 1
            entry[1] += time.perf_counter() - began

    def costliest(self, job: str) -> None:
        if not SQL:
            return
        print(f"\n{job}: costliest statements")
        for text, (n, seconds) in sorted(self.by_text.items(), key=lambda kv: -kv[1][1])[:SQL]:
            print(f"  {seconds:7.3f}s {n:5d}x  {text}")
        self.by_text.clear()


def _profiled(job: str, run):
    if not PROFILE:
        return run()
    profile = cProfile.Profile()
    result = profile.runcall(run)
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(PROFILE)
        print(f"\n{job}: by {order}\n" + out.getvalue().split("\n", 6)[-1], flush=True)
    return result


def _accounts_build(size: int, first: int, bill_date: dt.date) -> list[int]:
    """`size` accounts with a pending bill each; their ids."""
    ids, due = [], bill_date + dt.timedelta(days=21)
    for numbers, chunk, sas in account_batches(
        size, first, prefix="D", number_base=3_000_000_000, name=("Lee", "Late")
    ):
        amounts = [LARGE if n % 20 == 0 else SMALL for n in numbers]
        bill_ids = bulk_insert_rows(
            Bill,
            ("account_id", "bill_date", "due_date", "status", "total"),
            [
                (a.pk, bill_date, due, Bill.Status.PENDING.value, amount)
                for a, amount in zip(chunk, amounts, strict=True)
            ],
        )
        bulk_insert_rows(
            BillSegment,
            ("bill_id", "sa_id", "amount", "description"),
            [(b, sa.pk, amt, "") for b, sa, amt in zip(bill_ids, sas, amounts, strict=True)],
        )
        ids += [a.pk for a in chunk]
    return ids


def _max_ids(tables: list[str]) -> dict[str, int]:
    with connection.cursor() as cur:
        out = {}
        for table in tables:
            cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            out[table] = cur.fetchone()[0]
        return out


def _raw_floor(since: dict[str, int]) -> tuple[int, float]:
    """(rows, seconds): the rows written since `since`, copied into temporary tables
    LIKE the real ones, in one transaction that is rolled back."""
    rows, columns = {}, {}
    with connection.cursor() as cur:
        for table, last in since.items():
            cur.execute(f"SELECT * FROM {table} WHERE id > %s ORDER BY id", [last])  # noqa: S608
            columns[table] = [c.name for c in cur.description]
            rows[table] = cur.fetchall()
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cur:
        began = time.perf_counter()
        for table in since:
            cur.execute(f"CREATE TEMP TABLE floor_{table} (LIKE {table} INCLUDING DEFAULTS)")
            names = ", ".join(columns[table])
            with cur.copy(f"COPY floor_{table} ({names}) FROM STDIN") as copy:
                for row in rows[table]:
                    copy.write_row(row)
        seconds = time.perf_counter() - began
        for table in since:
            cur.execute(f"DROP TABLE floor_{table}")
    return sum(len(r) for r in rows.values()), seconds


def _cycle(size: int, first: int, bill_date: dt.date) -> dict:
    began = time.perf_counter()
    account_ids = _accounts_build(size, first, bill_date)
    run = batch_run(job_name="complete_bills", business_date=bill_date)
    assert run.status == "complete", run.errors[:3]
    build = time.perf_counter() - began
    due = bill_date + dt.timedelta(days=21)
    statements = _Statements()
    result = {"size": size, "build": build, "jobs": {}}
    with connection.execute_wrapper(statements):
        for job, days, tables in JOBS:
            since = _max_ids(tables)
            before = statements.count
            started = time.perf_counter()
            run = _profiled(
                job,
                lambda job=job, days=days: batch_run(
                    job_name=job, business_date=due + dt.timedelta(days=days)
                ),
            )
            seconds = time.perf_counter() - started
            statements.costliest(job)
            assert run.status == "complete", (job, run.errors[:3])
            count = statements.count - before
            floor_rows, floor_seconds = _raw_floor(since)
            result["jobs"][job] = (seconds, count, floor_rows, floor_seconds)
    _outcome_check(size, account_ids, due)
    return result


def _outcome_check(size: int, account_ids: list[int], due: dt.date) -> None:
    from delinquency.models import LateNotice, PenaltyDecision, ShutoffEvaluation

    assert LateNotice.objects.filter(account_id__in=account_ids).count() == size
    charged = PenaltyDecision.objects.filter(
        account_id__in=account_ids, outcome=PenaltyDecision.Outcome.CHARGED
    )
    assert charged.count() == size
    eligible = ShutoffEvaluation.objects.filter(account_id__in=account_ids, is_eligible=True)
    expected = sum(1 for n in range(size) if n % 20 == 0)
    assert eligible.count() == expected
    assert eligible.filter(service_order__isnull=False).count() == expected
    call_command("check_ledger")


def _lines(r: dict) -> list[str]:
    size = r["size"]
    total = sum(j[0] for j in r["jobs"].values())
    out = [
        f"delinquency, {size:,} past-due accounts (built in {r['build']:.1f}s): "
        f"{total:.1f}s for the three jobs, {size / total:,.0f} accounts/s, "
        f"{total / size * 1000:.3f} ms per account (target for 100,000: under "
        f"{TARGET_SECONDS}s: {'met' if total / size * 100_000 < TARGET_SECONDS else 'MISSED'} "
        f"at {total / size * 100_000:.0f}s extrapolated)"
    ]
    for job, (seconds, count, floor_rows, floor_seconds) in r["jobs"].items():
        out.append(
            f"  {job:<22} {seconds:7.2f}s {size / seconds:9,.0f} accounts/s "
            f"{seconds / size * 1000:6.3f} ms/account, {count:,} statements; raw floor "
            f"{floor_rows:,} rows in {floor_seconds:.2f}s: the job takes "
            f"{seconds / floor_seconds if floor_seconds else 0:.1f}x the floor's time"
        )
    return out


def test_delinquency_nightly(report):
    from delinquency.reference import reference_data_load as delinquency_reference_load
    from serviceorders.reference import reference_data_load as serviceorders_reference_load

    accounts_reference_load()
    serviceorders_reference_load()
    delinquency_reference_load()
    results, first = [], 0
    for k, size in enumerate(SIZES):
        bill_date = FIRST_BILL_DATE + dt.timedelta(weeks=12 * k)
        result = _cycle(size, first, bill_date)
        # The next size's jobs must find only its own accounts: the ones done here leave
        # the past-due selection (which skips suspense accounts).
        Account.objects.filter(number__startswith="3", customer__number__startswith="D").update(
            is_suspense=True
        )
        first += size
        results.append(result)
        lines = _lines(result)
        print("\n".join(lines), flush=True)
        report.lines += lines
    report.lines.append("size     ms/account per job: " + " | ".join(j for j, _, _ in JOBS))
    for r in results:
        report.lines.append(
            f"{r['size']:>7,}  "
            + " | ".join(f"{r['jobs'][j][0] / r['size'] * 1000:.3f}" for j, _, _ in JOBS)
        )
