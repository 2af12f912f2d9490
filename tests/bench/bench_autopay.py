"""The whole autopay cycle at nightly scale (`make bench`; issue 10 "Performance").

For each size of BENCH_AUTOPAY_SIZES (default 1,000, 10,000 and 100,000; a quick run:
BENCH_AUTOPAY_SIZES=1000,5000), that many new accounts (customer, location, account, one
WATER SA, written with COPY: `seed_demo` is far too slow at 100,000), each with a draft
enrollment (pay account balance; the bank account number encrypted on the way in) and a
pending bill of one segment. Then the real jobs, through `cis.batch.batch_run`, each timed:

  complete_bills             on the bill date; its `bill_completed` receiver evaluates
                             the bills for autopay on commit (timed apart as well)
  autopay_create             on the extract date (read from the clearings)
  autopay_distribute_freeze  payments through the bulk path (its own share timed apart)
  autopay_activate
  autopay_extract_ach        one NACHA file in a temporary OPENCIS_ACH_OUTBOX
  autopay_balance_controls

It prints accounts/s, ms per account and SQL statements per stage, the total cycle
(target: under 5 minutes for 100,000 on 2 cores), the NACHA write rate of
`nacha_file_write` alone on the extract's entries (target: at least 100,000 entries/s)
and, for the posting stage, the ratio to the raw PostgreSQL floor measured in the same
run (bench_upload's `raw_floor`: the payment rows the stage wrote, written again with
COPY, rolled back). Then it checks the outcome: every account paid once and drafted once,
one file of N entries that reads back, controls balanced, `check_ledger` clean. No timing
is asserted.
"""

import cProfile
import datetime as dt
import math
import os
import pstats
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

import autopay.receivers.bills as bill_receiver
import autopay.services.extract as extract_service
import autopay.services.posting as posting_service
from accounts.models import (
    Account,
    Bill,
    BillSegment,
)
from accounts.reference import reference_data_load as accounts_reference_load
from autopay.models import AchExtract, BillAutopayCheck, Clearing, Enrollment
from autopay.nacha import nacha_file_read
from autopay.reference import reference_data_load as autopay_reference_load
from cis.batch import batch_run
from cis.bulk import bulk_insert, bulk_insert_rows
from payments.models import Payment
from tests.bench import bench_upload  # its raw_floor; a module import collects no test
from tests.bench.builders import account_batches

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

# BENCH_AUTOPAY_PROFILE=N: each stage under cProfile, its N costliest calls printed (and
# the statements that took longest; the whole profile in bench_autopay_<job>.prof); the
# timings are then the profiler's, not the bench's.
PROFILE = int(os.environ.get("BENCH_AUTOPAY_PROFILE", "0"))
SIZES = [int(s) for s in os.environ.get("BENCH_AUTOPAY_SIZES", "1000,10000,100000").split(",")]
# A Monday; its bills are due three weeks later, a Monday too. Each size bills a month
# after the one before, so a size's jobs find only its own work.
FIRST_BILL_DATE = dt.date(2026, 2, 2)
AMOUNT = Decimal("61.37")
CYCLE_TARGET_SECONDS = 300
NACHA_TARGET = 100_000
STAGES = [
    "complete_bills",
    "autopay_create",
    "autopay_distribute_freeze",
    "autopay_activate",
    "autopay_extract_ach",
    "autopay_balance_controls",
]


class _Statements:
    """Counts the SQL statements run through Django's connection (cheap at any size)."""

    def __init__(self):
        self.count = 0
        # With BENCH_AUTOPAY_PROFILE: {statement: (times run, seconds)}.
        self.texts: dict[str, tuple[int, float]] = {}

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if not PROFILE:
            return execute(sql, params, many, context)
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            n, seconds = self.texts.get(sql[:100], (0, 0.0))
            self.texts[sql[:100]] = (n + 1, seconds + time.perf_counter() - began)


def _wrap(module, name: str, seconds: list[float], calls: list | None = None):
    """Time every call of `module.name` (the jobs look it up there); returns the undo."""
    real = getattr(module, name)

    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - began)
            if calls is not None:
                calls.append(kwargs)

    setattr(module, name, timed)
    return lambda: setattr(module, name, real)


def _accounts_build(size: int, first: int, bill_date: dt.date) -> list[int]:
    """`size` enrolled accounts with a pending bill each; their ids."""
    now = timezone.now()
    accounts, due = [], bill_date + dt.timedelta(days=21)
    for numbers, chunk, sas in account_batches(
        size, first, prefix="B", number_base=2_000_000_000, name=("Pat", "Payer")
    ):
        # bulk_insert encrypts the bank account number (EncryptedTextField's
        # get_db_prep_save), as bulk_create and save() do.
        bulk_insert(
            Enrollment,
            [
                Enrollment(
                    account_id=a.pk,
                    kind=Enrollment.Kind.DRAFT,
                    bank_account_type=Enrollment.BankAccountType.CHECKING,
                    routing_number="011000015",
                    bank_account_number=f"{7_000_000_000 + n}",
                    bank_account_last4=f"{n % 10_000:04d}",
                    amount_option=Enrollment.AmountOption.BALANCE,
                    start_on=dt.date(2026, 1, 1),
                    created_at=now,
                )
                for n, a in zip(numbers, chunk, strict=True)
            ],
        )
        bill_ids = bulk_insert_rows(
            Bill,
            ("account_id", "bill_date", "due_date", "status", "total"),
            [(a.pk, bill_date, due, Bill.Status.PENDING.value, AMOUNT) for a in chunk],
        )
        bulk_insert_rows(
            BillSegment,
            ("bill_id", "sa_id", "amount", "description"),
            [(b, sa.pk, AMOUNT, "") for b, sa in zip(bill_ids, sas, strict=True)],
        )
        accounts += [a.pk for a in chunk]
    return accounts


def _stage(job: str, day: dt.date, statements: _Statements) -> tuple[float, int]:
    """(seconds, statements) of one job run for `day`, which must complete."""
    before = statements.count
    profile = cProfile.Profile() if PROFILE else None
    began = time.perf_counter()
    if profile:
        profile.enable()
    run = batch_run(job_name=job, business_date=day)
    if profile:
        profile.disable()
    seconds = time.perf_counter() - began
    assert run.status == "complete", (job, run.errors[:3])
    if profile:
        print(f"--- {job}: {seconds:.2f}s; the statements that took longest in all:")
        for text, (n, took) in sorted(statements.texts.items(), key=lambda kv: -kv[1][1])[:5]:
            print(f"  {took:6.2f}s {n:>6} x {text}")
        statements.texts.clear()
        stats = pstats.Stats(profile)
        stats.dump_stats(f"bench_autopay_{job}.prof")  # for a closer look: python -m pstats
        stats.sort_stats("cumulative").print_stats(PROFILE)
    return seconds, statements.count - before


def _cycle(size: int, first: int, bill_date: dt.date) -> dict:
    """One whole cycle for `size` new accounts; its figures."""
    began = time.perf_counter()
    account_ids = _accounts_build(size, first, bill_date)
    build_seconds = time.perf_counter() - began
    statements = _Statements()
    times: dict[str, float] = {}
    counts: dict[str, int] = {}
    evaluate_s, bulk_s, write_s, writes = [], [], [], []
    undo = [
        _wrap(bill_receiver, "bills_autopay_evaluate", evaluate_s),
        _wrap(posting_service, "payments_post_bulk", bulk_s),
        _wrap(extract_service, "nacha_file_write", write_s, writes),
    ]
    try:
        with connection.execute_wrapper(statements):
            times["complete_bills"], counts["complete_bills"] = _stage(
                "complete_bills", bill_date, statements
            )
            extract_days = set(
                Clearing.objects.filter(account_id__in=account_ids)
                .values_list("extract_on", flat=True)
                .distinct()
            )
            assert len(extract_days) == 1, extract_days
            extract_on = extract_days.pop()
            for job in STAGES[1:]:
                if job == "autopay_distribute_freeze":
                    floor_since = bench_upload._max_ids()
                times[job], counts[job] = _stage(job, extract_on, statements)
                if job == "autopay_distribute_freeze":
                    floor_payments, floor_seconds = bench_upload.raw_floor(floor_since)
    finally:
        for restore in undo:
            restore()
    # The NACHA writer alone again on the same entries (the wrapped call above timed it
    # inside the job; this is the same work, CPU time beside wall time).
    (call,) = writes
    cpu, wall = time.process_time(), time.perf_counter()
    extract_service.nacha_file_write(**call)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    entries = sum(len(b.entries) for b in call["batches"])
    _outcome_check(size, account_ids, extract_on)
    return {
        "size": size,
        "build": build_seconds,
        "times": times,
        "statements": counts,
        "evaluate": sum(evaluate_s),
        "bulk": sum(bulk_s),
        "nacha_job": entries / sum(write_s),
        "nacha_wall": entries / wall,
        "nacha_cpu": entries / cpu if cpu else math.inf,
        "floor_payments": floor_payments,
        "floor_seconds": floor_seconds,
        "extract_on": extract_on,
    }


def _outcome_check(size: int, account_ids: list[int], extract_on: dt.date) -> None:
    clearings = Clearing.objects.filter(account_id__in=account_ids)
    assert clearings.count() == size
    assert set(clearings.values_list("status", flat=True)) == {Clearing.Status.EXTRACTED}
    assert clearings.values("account_id").distinct().count() == size
    assert (
        BillAutopayCheck.objects.filter(
            bill__account_id__in=account_ids, outcome=BillAutopayCheck.Outcome.DRAFTED
        ).count()
        == size
    )
    payments = Payment.objects.filter(
        account_id__in=account_ids, event__tender_source__code="AUTOPAY"
    )
    assert payments.count() == size
    assert payments.values("account_id").distinct().count() == size
    assert set(payments.values_list("status", flat=True)) == {Payment.Status.FROZEN}
    assert not Account.objects.filter(pk__in=account_ids).exclude(balance=0).exists()
    (extract,) = AchExtract.objects.filter(business_date=extract_on)
    assert extract.entry_count == size
    assert extract.total == AMOUNT * size
    with open(extract.file_path) as written:
        ach = nacha_file_read(written.read())
    debits = [e for b in ach.batches for e in b.entries if e.amount > 0 and e.individual_id]
    assert len({e.individual_id for e in debits}) == size
    assert ach.total_debit_cents == int(AMOUNT * 100) * size
    control = extract.tender_control
    assert control is not None and control.status == "balanced", control
    assert control.deposit_control.status == "balanced"
    call_command("check_ledger")


def _lines(r: dict) -> list[str]:
    size, times = r["size"], r["times"]
    total = sum(times.values())
    out = [
        f"autopay cycle, {size:,} accounts (extract {r['extract_on']}; built in "
        f"{r['build']:.1f}s): {total:.1f}s in all, {size / total:,.0f} accounts/s, "
        f"{total / size * 1000:.2f} ms per account (target for 100,000: under "
        f"{CYCLE_TARGET_SECONDS}s: {'met' if total < CYCLE_TARGET_SECONDS else 'MISSED'} "
        f"at {total / size * 100_000:.0f}s extrapolated)"
    ]
    chunks = math.ceil(size / settings.BATCH_CHUNK_SIZE)
    for job in STAGES:
        seconds, statements = times[job], r["statements"][job]
        out.append(
            f"  {job:<26} {seconds:7.2f}s {size / seconds:9,.0f} accounts/s "
            f"{seconds / size * 1000:6.3f} ms/account, {statements:,} statements "
            f"({statements / chunks:.1f} per chunk of {settings.BATCH_CHUNK_SIZE})"
        )
    evaluate = r["evaluate"]
    out.append(
        f"    of complete_bills, autopay's bill evaluation (receiver): {evaluate:.2f}s, "
        f"{evaluate / size * 1000:.3f} ms/account"
    )
    post, floor = times["autopay_distribute_freeze"], r["floor_seconds"]
    out.append(
        f"    of autopay_distribute_freeze, payments_post_bulk: {r['bulk']:.2f}s "
        f"({r['bulk'] / size * 1000:.3f} ms/payment); raw floor {r['floor_payments']:,} "
        f"payments in {floor:.2f}s ({floor / size * 1000:.3f} ms/payment): the stage runs "
        f"at {floor / post:.0%} of the floor's rate ({post / floor:.1f}x its time)"
    )
    out.append(
        f"  NACHA write ({size:,} entries): {r['nacha_job']:,.0f} entries/s inside the job, "
        f"{r['nacha_wall']:,.0f}/s alone ({r['nacha_cpu']:,.0f}/s of CPU time; target >= "
        f"{NACHA_TARGET:,}/s: {'met' if r['nacha_wall'] >= NACHA_TARGET else 'MISSED'})"
    )
    return out


def test_autopay_cycle(report, tmp_path, settings):
    settings.OPENCIS_ACH_OUTBOX = tmp_path / "ach"
    accounts_reference_load()
    autopay_reference_load()
    results, first = [], 0
    for k, size in enumerate(SIZES):
        bill_date = FIRST_BILL_DATE + dt.timedelta(weeks=5 * k)
        while bill_date.weekday():  # Mondays, due three weeks later
            bill_date += dt.timedelta(days=1)
        result = _cycle(size, first, bill_date)
        first += size
        results.append(result)
        lines = _lines(result)
        print("\n".join(lines), flush=True)  # as it goes: the 100,000 run takes a while
        report.lines += lines
    report.lines.append("size     ms/account per stage: " + " | ".join(STAGES))
    for r in results:
        report.lines.append(
            f"{r['size']:>7,}  "
            + " | ".join(f"{r['times'][job] / r['size'] * 1000:.3f}" for job in STAGES)
        )
