"""Upload throughput against the raw PostgreSQL floor (`make bench`; issue 9 "Performance").

On `seed_demo` accounts (BENCH_UPLOAD_ACCOUNTS, default 10,000, with their year of bills
and payments), staged payment lines go end to end through the `payment_upload` job:
deposit and tender totals checked, controls created, events, tenders, payments, pay
segments, FTs, GL lines and transition logs written through the bulk path, controls
balanced, staging Complete. Sizes BENCH_UPLOAD_SIZES (default 1,000, 10,000 and 100,000
payments), each with the chunk sizes BENCH_UPLOAD_CHUNKS (payment lines per deposit, which
the job posts in one bulk call: default 1,000, 5,000 and 20,000) that fit the size. For a
quick run: BENCH_UPLOAD_ACCOUNTS=1000 BENCH_UPLOAD_SIZES=1000,5000 BENCH_UPLOAD_CHUNKS=1000;
or name the runs: BENCH_UPLOAD_RUNS=1000:1000,10000:5000 (size:chunk).

The floor, in the same run after each upload: the rows that upload wrote to the seven
tables of a payment (event, tender, payment, pay segment, FT, GL line, state log), read
back, given new ids and written again with COPY into the same tables, with their indexes
and constraints (foreign keys checked as each COPY ends: SET CONSTRAINTS ALL IMMEDIATE),
plus the two balance UPDATEs (accounts, SAs), then rolled back. The ratio is upload
payments/s over floor payments/s.
"""

import datetime as dt
import io
import os
import re
import time
from decimal import Decimal

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg.types.json import Jsonb

from accounts.models import Account
from cis.batch import batch_run
from payments.models import (
    DepositStaging,
    PaymentStaging,
    TenderSource,
    TenderStaging,
    TenderType,
    UploadFile,
)
from payments.reference import NON_CIS_ACCOUNT
from payments.upload import job as upload_job

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

AS_OF = dt.date(2026, 11, 25)
ACCOUNTS = int(os.environ.get("BENCH_UPLOAD_ACCOUNTS", "10000"))
SIZES = [int(s) for s in os.environ.get("BENCH_UPLOAD_SIZES", "1000,10000,100000").split(",")]
CHUNKS = [int(s) for s in os.environ.get("BENCH_UPLOAD_CHUNKS", "1000,5000,20000").split(",")]
# Or the runs themselves, as SIZE:CHUNK pairs ("1000:1000,100000:5000").
RUNS = [
    tuple(int(n) for n in pair.split(":"))
    for pair in os.environ.get("BENCH_UPLOAD_RUNS", "").split(",")
    if pair
] or [(size, chunk) for size in SIZES for chunk in [c for c in CHUNKS if c <= size] or [size]]

# The tables one payment writes; (table, {column: table whose id it holds}).
_TABLES = [
    ("payments_paymentevent", {}),
    ("payments_tender", {"event_id": "payments_paymentevent"}),
    ("payments_payment", {"event_id": "payments_paymentevent"}),
    ("accounts_financialtransaction", {}),
    ("accounts_glline", {"ft_id": "accounts_financialtransaction"}),
    (
        "payments_paysegment",
        {"payment_id": "payments_payment", "ft_id": "accounts_financialtransaction"},
    ),
    ("django_fsm_log_statelog", {}),
]


def _max_ids() -> dict[str, int]:
    with connection.cursor() as cursor:
        out = {}
        for table, _ in _TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            out[table] = cursor.fetchone()[0]
        return out


def _stage(size: int, chunk: int, numbers: list[str], offset: int) -> None:
    """One file of `size` lines in deposits of `chunk` lines (one tender group each), as
    the parsers stage them, on the demo accounts from `offset` on (round robin)."""
    upload = UploadFile.objects.create(
        name=f"bench-{size}-{chunk}-{offset}.csv",
        format="csv",
        size=size * 40,
        sha256=f"{size:016d}{chunk:016d}{offset:032d}",
    )
    source = TenderSource.objects.get(code="LOCKBOX")
    check = TenderType.objects.get(code="CHECK")
    lines = []
    for first in range(0, size, chunk):
        count = min(chunk, size - first)
        deposit = DepositStaging.objects.create(
            upload_file=upload,
            deposit_date=AS_OF,
            expected_count=count,
            expected_total=Decimal("25.00") * count,
        )
        tender = TenderStaging.objects.create(
            deposit_staging=deposit,
            tender_source=source,
            reference=f"B{first}",
            expected_count=count,
            expected_total=Decimal("25.00") * count,
        )
        lines += [
            PaymentStaging(
                tender_staging=tender,
                line_number=first + n + 1,
                account_reference=numbers[(offset + first + n) % len(numbers)],
                amount_text="25.00",
                amount=Decimal("25.00"),
                tender_type=check,
                payment_date=AS_OF,
                accounting_date=AS_OF,
                check_number=str(1000 + (first + n) % 9000),
            )
            for n in range(count)
        ]
    PaymentStaging.objects.bulk_create(lines, batch_size=5000)


def _conninfo() -> str:
    settings = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


def _adapt(value):
    return Jsonb(value) if isinstance(value, dict | list) else value


def raw_floor(since: dict[str, int]) -> tuple[int, float]:
    """(payments, seconds): the rows written since `since`, copied again with new ids into
    the same tables in one transaction with immediate constraint checks, the balances
    moved as they were, then rolled back."""
    with psycopg.connect(_conninfo()) as conn, conn.cursor() as cur:
        rows, columns, offsets = {}, {}, {}
        for table, _ in _TABLES:
            cur.execute(f"SELECT * FROM {table} WHERE id > %s ORDER BY id", [since[table]])  # noqa: S608
            columns[table] = [c.name for c in cur.description]
            rows[table] = cur.fetchall()
            cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            offsets[table] = cur.fetchone()[0] - since[table]
        copies = {}
        for table, refs in _TABLES:
            col = {name: i for i, name in enumerate(columns[table])}
            shifted = []
            for row in rows[table]:
                row = [_adapt(v) for v in row]
                row[col["id"]] += offsets[table]
                for name, target in refs.items():
                    if row[col[name]] is not None:
                        row[col[name]] += offsets[target]
                if table == "payments_paymentevent" and row[col["external_id"]]:
                    row[col["external_id"]] = "floor:" + row[col["external_id"]]
                shifted.append(row)
            copies[table] = shifted
        ft = {name: i for i, name in enumerate(columns["accounts_financialtransaction"])}
        by_account, by_sa = {}, {}
        for row in rows["accounts_financialtransaction"]:
            amount = row[ft["current_amount"]]
            by_account[row[ft["account_id"]]] = by_account.get(row[ft["account_id"]], 0) + amount
            by_sa[row[ft["sa_id"]]] = by_sa.get(row[ft["sa_id"]], 0) + amount
        payments = len(rows["payments_payment"])
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        for table, _ in _TABLES:
            names = ", ".join(columns[table])
            with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in copies[table]:
                    copy.write_row(row)
        for table, deltas in (
            ("accounts_account", by_account),
            ("accounts_serviceagreement", by_sa),
        ):
            ids = sorted(deltas)
            cur.execute(
                f"UPDATE {table} AS t SET balance = t.balance + d.delta FROM "  # noqa: S608
                "unnest(%s::bigint[], %s::numeric[]) AS d(id, delta) WHERE t.id = d.id",
                [ids, [deltas[i] for i in ids]],
            )
        seconds = time.perf_counter() - started
        conn.rollback()
    return payments, seconds


def test_upload_throughput_against_floor(report):
    out = io.StringIO()
    started = time.perf_counter()
    call_command("seed_demo", "--accounts", str(ACCOUNTS), "--as-of", AS_OF.isoformat(), stdout=out)
    report.timing(f"seed_demo --accounts {ACCOUNTS:,}", time.perf_counter() - started)
    report.lines += [
        f"  step {line}"
        for line in out.getvalue().splitlines()
        if re.fullmatch(r"[a-z].*: [0-9.]+s", line) and not line.startswith("seed_demo")
    ]
    print("\n".join(report.lines), flush=True)
    numbers = list(
        Account.objects.exclude(number=NON_CIS_ACCOUNT)
        .filter(is_suspense=False)
        .order_by("number")
        .values_list("number", flat=True)
    )
    bulk_seconds = []
    real_post = upload_job.payments_post_bulk

    def timed_post(**kwargs):
        began = time.perf_counter()
        try:
            return real_post(**kwargs)
        finally:
            bulk_seconds.append(time.perf_counter() - began)

    upload_job.payments_post_bulk = timed_post
    offset, day = 0, AS_OF
    try:
        for size, chunk in RUNS:
            _stage(size, chunk, numbers, offset)
            offset += size
            before = _max_ids()
            bulk_seconds.clear()
            began = time.perf_counter()
            run = batch_run(job_name="payment_upload", business_date=day, force=True)
            seconds = time.perf_counter() - began
            assert run.status == "complete", run.errors[:3]
            assert not PaymentStaging.objects.exclude(status="complete").exists()
            payments, floor_seconds = raw_floor(before)
            assert payments == size, (payments, size)
            rate, floor = size / seconds, payments / floor_seconds
            line = (
                f"upload {size:>7,} payments, chunks of {chunk:>6,}: {rate:7,.0f}/s "
                f"({seconds / size * 1000:.3f} ms per payment; bulk path "
                f"{sum(bulk_seconds) / size * 1000:.3f} ms), floor {floor:7,.0f}/s "
                f"({floor_seconds / size * 1000:.3f} ms): {rate / floor:.0%} of the floor"
            )
            print(line, flush=True)  # as it goes: the whole run takes a while
            report.lines.append(line)
    finally:
        upload_job.payments_post_bulk = real_post
