"""NACHA write rate (issue 10: at least 100,000 entries/s on 2 cores). Writes one file of
OPENCIS_BENCH_NACHA_ENTRIES PPD debits (default 100,000) in 10 batches with a balanced
offset each, then reads it back (the reader's rate, for information). Pure Python, no
database."""

import os
import time
from datetime import date, datetime
from decimal import Decimal

import pytest

from autopay.nacha import (
    AccountType,
    Batch,
    Entry,
    FileHeader,
    OffsetAccount,
    nacha_file_read,
    nacha_file_write,
)

ENTRIES = int(os.environ.get("OPENCIS_BENCH_NACHA_ENTRIES", "100000"))
TARGET = 100_000
ROUTINGS = ["011401533", "091000019", "231380104", "121042882", "021000021", "026009593"]
pytestmark = pytest.mark.bench


def _batches() -> list[Batch]:
    entries = [
        Entry(
            routing_number=ROUTINGS[i % len(ROUTINGS)],
            account_number=f"{7000000 + i}",
            account_type=AccountType.SAVINGS if i % 5 == 0 else AccountType.CHECKING,
            amount=Decimal(1000 + i % 50000).scaleb(-2),
            individual_id=f"{1000000000 + i}",
            # one name in ten needs transliterating (JOSÉ NÚÑEZ -> JOSE NUNEZ)
            individual_name=f"José Núñez {i}" if i % 10 == 0 else f"Customer {i}",
        )
        for i in range(ENTRIES)
    ]
    size = -(-ENTRIES // 10)
    offset = OffsetAccount(routing_number="091000019", account_number="555000111")
    return [
        Batch(
            company_name="SPRINGFIELD WTR",
            company_id="1234567890",
            entry_description="AUTOPAY",
            effective_date=date(2026, 12, 4),
            entries=entries[start : start + size],
            offset=offset,
        )
        for start in range(0, ENTRIES, size)
    ]


def test_nacha_write_rate(report, stopwatch):
    header = FileHeader(
        immediate_destination="091000019",
        immediate_destination_name="OUR BANK",
        immediate_origin="1234567890",
        immediate_origin_name="SPRINGFIELD WATER",
        originating_dfi="091000019",
        created_at=datetime(2026, 12, 2, 6, 0),
    )
    batches = _batches()
    cpu = time.process_time()
    written, seconds = stopwatch(nacha_file_write, header=header, batches=batches)
    cpu = time.process_time() - cpu
    rate = ENTRIES / seconds
    report.lines.append(
        f"NACHA write: {ENTRIES:,} entries in {seconds:.2f}s, {rate:,.0f} entries/s "
        f"(target >= {TARGET:,}/s: {'met' if rate >= TARGET else 'MISSED'}; "
        f"{ENTRIES / cpu:,.0f}/s of this process's CPU time), "
        f"{len(written.text) / 1e6:.1f} MB"
    )
    ach, seconds = stopwatch(nacha_file_read, written.text)
    report.lines.append(f"NACHA read: {ENTRIES / seconds:,.0f} entries/s (for information)")
    assert sum(len(b.entries) for b in ach.batches) == ENTRIES + len(batches)
    assert ach.total_debit_cents == ach.total_credit_cents == written.total_debit_cents
