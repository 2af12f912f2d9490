"""Payment benchmarks (`make bench`): online distribute-and-freeze latency on a large
account, bulk-path throughput, and the demo generator's timings extrapolated to 100,000
accounts. Sizes: BENCH_ACCOUNTS (default 10,000), BENCH_ONLINE_RUNS (default 50)."""

import datetime as dt
import io
import os
import re
import statistics
import time
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import Account, GLAccount, SAType
from accounts.tests.factories import AccountFactory
from payments.models import TenderSource, TenderType
from payments.reference import reference_data_load
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.tests.factories import bill, pay, sa_add

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]
AS_OF = dt.date(2026, 11, 25)


def _report(title: str, lines: list[str]) -> None:
    print(f"\n== {title}")
    for line in lines:
        print(f"   {line}")


def test_online_distribute_and_freeze_latency():
    """One account, 10 SAs, 5 years of monthly bills and payments; then a new bill and an
    online distribute-and-freeze payment, timed, again and again."""
    reference_data_load()
    gl = GLAccount.objects.get(code="1100"), GLAccount.objects.get(code="4900")
    codes = ["WATER", "SEWER", "ELEC", "TRASH", "DEPOSIT"]
    for n in range(5):
        SAType.objects.get_or_create(
            code=f"BENCH{n}",
            defaults={
                "description": f"Bench service {n}",
                "payment_priority": 30 + n,
                "receivable_gl": gl[0],
                "revenue_gl": gl[1],
            },
        )
        codes.append(f"BENCH{n}")
    account = AccountFactory()
    sas = [sa_add(account, code) for code in codes]
    start = AS_OF - dt.timedelta(days=5 * 365)
    check = TenderType.objects.get(code="CHECK")
    source = TenderSource.objects.get(code="LOCKBOX")
    for month in range(60):  # history: 60 bills, each paid through the bulk path
        day = start + dt.timedelta(days=30 * month)
        bill(account, {sa: Decimal("10.00") + n for n, sa in enumerate(sas)}, bill_date=day)
        payments_post_bulk(
            items=[
                BulkPayment(
                    account_id=account.pk,
                    amount=Decimal("145.00"),
                    tender_type_id=check.pk,
                    accounting_date=day + dt.timedelta(days=15),
                )
            ],
            tender_source=source,
        )
    runs = int(os.environ.get("BENCH_ONLINE_RUNS", "50"))
    timings = []
    for n in range(runs):
        day = AS_OF + dt.timedelta(days=n)
        bill(account, {sa: Decimal("10.00") for sa in sas}, bill_date=day)
        started = time.perf_counter()
        payment = pay(account, Decimal("100.00"), day=day)
        timings.append(time.perf_counter() - started)
        assert payment.status == "frozen" and payment.segments.count() == 10
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    _report(
        "online distribute and freeze (10 SAs, 5 years of history)",
        [
            f"runs {runs}",
            f"median {statistics.median(timings) * 1000:.1f} ms",
            f"p95 {p95 * 1000:.1f} ms",
            f"max {timings[-1] * 1000:.1f} ms",
        ],
    )


def test_demo_and_bulk_throughput():
    """seed_demo at BENCH_ACCOUNTS (timings per step, extrapolated to 100,000 accounts),
    then one more payment per account through the bulk path in chunks of 5,000."""
    accounts = int(os.environ.get("BENCH_ACCOUNTS", "10000"))
    out = io.StringIO()
    started = time.perf_counter()
    call_command("seed_demo", "--accounts", str(accounts), "--as-of", AS_OF.isoformat(), stdout=out)
    total = time.perf_counter() - started
    steps = dict(re.findall(r"^([a-z ,]+): ([0-9.]+)s$", out.getvalue(), re.M))
    scale = 100_000 / accounts
    lines = [
        f"{name}: {float(s):.1f}s (x{scale:g} = {float(s) * scale:.0f}s)"
        for name, s in steps.items()
    ]
    lines.append(
        f"total: {total:.1f}s, extrapolated to 100,000 accounts: {total * scale / 60:.1f} min"
    )
    started = time.perf_counter()
    call_command("check_ledger", stdout=io.StringIO())
    lines.append(f"check_ledger: {time.perf_counter() - started:.1f}s")
    _report(f"seed_demo --accounts {accounts:,}", lines)

    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    check = TenderType.objects.get(code="CHECK").pk
    source = TenderSource.objects.get(code="LOCKBOX")
    items = [
        BulkPayment(
            account_id=pk,
            amount=Decimal("25.00"),
            tender_type_id=check,
            accounting_date=AS_OF,
            external_id=f"bench-{pk}",
        )
        for pk in ids
    ]
    started = time.perf_counter()
    frozen = 0
    for n in range(0, len(items), 5000):
        frozen += payments_post_bulk(items=items[n : n + 5000], tender_source=source).frozen
    seconds = time.perf_counter() - started
    assert frozen == len(items)
    _report(
        "bulk path (distribute + freeze, chunks of 5,000, with transition log)",
        [
            f"{frozen:,} payments in {seconds:.1f}s: {frozen / seconds:,.0f} payments/s",
            f"100,000 payments a night: {100_000 / (frozen / seconds):.0f}s",
        ],
    )
