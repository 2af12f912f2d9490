"""Return and NOC files for the tests, as a bank sends them back: our writer writes the
entries (so controls, hash, blocking are the standard's), then each entry's addenda 05
becomes the return addenda (99) or the notification of change (98) carrying the original
entry's trace number."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from autopay.models import Clearing
from autopay.nacha import AccountType, Batch, Entry, FileHeader, nacha_file_write

BANK_ODFI = "091000019"  # the bank that sends the returns back
SAMPLES = Path(__file__).resolve().parents[2] / "tests" / "data" / "ach"


def sample(name: str) -> bytes:
    """A real NACHA file of tests/data/ach (see tests/data/README.md for attribution)."""
    return (SAMPLES / name).read_bytes()


@dataclass(frozen=True)
class Back:
    """One entry coming back: its original trace, the code, and what the entry said."""

    trace: str
    code: str
    amount: Decimal
    individual_id: str = "1000000042"
    routing_number: str = "011000015"
    account_number: str = "000123456789"
    corrected: str = ""  # NOC corrected data (29 characters, laid out by the code)


def back(clearing: Clearing, code: str, *, amount: str | None = None, corrected: str = "") -> Back:
    enrollment = clearing.enrollment
    return Back(
        trace=clearing.trace_number,
        code=code,
        amount=Decimal(amount) if amount is not None else clearing.amount,
        individual_id=clearing.account.number,
        routing_number=enrollment.routing_number,
        account_number=enrollment.bank_account_number,
        corrected=corrected,
    )


def _written(items: list[Back], *, noc: bool, created: dt.datetime) -> list[str]:
    entries = [
        Entry(
            routing_number=item.routing_number,
            account_number=item.account_number,
            account_type=AccountType.CHECKING,
            amount=item.amount if not noc else Decimal("0.01"),
            individual_id=item.individual_id,
            individual_name="JANE DOE",
            addenda="PLACEHOLDER",
        )
        for item in items
    ]
    written = nacha_file_write(
        header=FileHeader(
            immediate_destination="071000505",
            immediate_destination_name="OPENCIS UTILITY",
            immediate_origin="091000019",
            immediate_origin_name="RETURNING BANK",
            originating_dfi=BANK_ODFI,
            created_at=created,
        ),
        batches=[
            Batch(
                company_name="OPENCIS UTILITY",
                company_id="1234567890",
                entry_description="UTILITY",
                effective_date=created.date(),
                entries=entries,
            )
        ],
    )
    return written.text.splitlines()


def return_file(items: list[Back], *, created: dt.datetime | None = None) -> bytes:
    lines = _written(items, noc=False, created=created or dt.datetime(2026, 2, 2, 9, 0))
    out, queue, trace = [], iter(items), ""
    for line in lines:
        if line.startswith("6"):
            line = line[0] + "26" + line[3:]  # a returned debit
            trace = line[79:94]
        elif line.startswith("705"):
            item = next(queue)
            line = (
                "799"
                + item.code
                + item.trace
                + " " * 6
                + item.routing_number[:8]
                + " " * 44
                + trace
            )
        out.append(line)
    return ("\n".join(out) + "\n").encode()


def noc_file(items: list[Back], *, created: dt.datetime | None = None) -> bytes:
    lines = _written(items, noc=True, created=created or dt.datetime(2026, 2, 2, 9, 0))
    out, queue, trace = [], iter(items), ""
    for line in lines:
        if line.startswith("5"):
            line = line[:50] + "COR" + line[53:]
        elif line.startswith("6"):
            line = line[0] + "26" + line[3:29] + "0" * 10 + line[39:]
            trace = line[79:94]
        elif line.startswith("705"):
            item = next(queue)
            line = (
                "798"
                + item.code
                + item.trace
                + " " * 6
                + item.routing_number[:8]
                + item.corrected.ljust(29)
                + " " * 15
                + trace
            )
        elif line.startswith("8"):
            line = line[:20] + "0" * 12 + line[32:]
        elif line.startswith("9") and not line.startswith("99"):
            line = line[:31] + "0" * 12 + line[43:]
        out.append(line)
    return ("\n".join(out) + "\n").encode()


def corrected_c07(routing: str, account: str, code: int) -> str:
    return routing + account.ljust(17) + f"{code:02d}"


def corrected_c03(routing: str, account: str) -> str:
    return routing + "   " + account.ljust(17)


def corrected_c06(account: str, code: int) -> str:
    return account.ljust(17) + "   " + f"{code:02d}"
