"""Builders for NACHA writer tests: plain dataclasses, no database."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from autopay.nacha import AccountType, Batch, Entry, FileHeader

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "ach"
# Valid ABA routing numbers (check digit right), as banks publish them.
ROUTINGS = ["011401533", "091000019", "231380104", "121042882", "021000021", "026009593"]


def header(**overrides) -> FileHeader:
    values = {
        "immediate_destination": "091000019",
        "immediate_destination_name": "Our Bank",
        "immediate_origin": "1234567890",
        "immediate_origin_name": "Springfield Water",
        "originating_dfi": "091000019",
        "created_at": datetime(2026, 12, 2, 6, 0),
    }
    return FileHeader(**(values | overrides))


def entry(**overrides) -> Entry:
    values = {
        "routing_number": "011401533",
        "account_number": "123-456",
        "account_type": AccountType.CHECKING,
        "amount": Decimal("42.10"),
        "individual_id": "1000000001",
        "individual_name": "Ana Ruiz",
    }
    return Entry(**(values | overrides))


def batch(entries=None, **overrides) -> Batch:
    values = {
        "company_name": "Springfield Wtr",
        "company_id": "1234567890",
        "entry_description": "AUTOPAY",
        "effective_date": date(2026, 12, 4),
        "entries": entries if entries is not None else [entry()],
    }
    return Batch(**(values | overrides))


@pytest.fixture
def ach_sample():
    def read(name: str) -> bytes:
        return (DATA / name).read_bytes()

    return read
