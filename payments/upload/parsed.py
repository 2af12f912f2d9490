"""The neutral shape every format parses into, and the field readers they share.

A file is deposits -> tender groups -> payment lines. A line that cannot be read keeps
its line number, raw text and the reason (`error`); it is staged in Error so a CSR sees
it. `FileRejected` refuses the whole file: unreadable, or its own trailer totals do not
match its lines.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings

from cis.money import ZERO
from cis.validators import looks_like_card_number


class FileRejected(ValueError):
    """The whole file is refused; the message says why (with both figures for totals)."""


class LineError(ValueError):
    """One line cannot be read: `reason` is a short code for the exception screen."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class ParsedAdvice:
    """Seed 003 step 5.9: part of the line's amount pays another account."""

    account_reference: str
    amount_text: str
    amount: Decimal | None = None


@dataclass
class ParsedPayment:
    line_number: int
    raw_line: str
    account_reference: str = ""
    # Other strings on the line that may hold our account number (BAI2 free text); the
    # first one that is a known account number wins over `account_reference`.
    account_candidates: tuple[str, ...] = ()
    amount_text: str = ""
    amount: Decimal | None = None
    payment_date: dt.date | None = None
    accounting_date: dt.date | None = None
    check_number: str = ""
    payer_name: str = ""
    external_id: str = ""
    tender_type: str = ""  # a TenderType code; "" = the format's default
    advices: list[ParsedAdvice] = field(default_factory=list)
    # Malformed: the reason code and message (the line is staged in Error).
    error_reason: str = ""
    error: str = ""


@dataclass
class ParsedTender:
    """One tender staging: a lockbox batch, a BAI2 account record, a CSV file."""

    reference: str
    payments: list[ParsedPayment] = field(default_factory=list)
    # What the file itself declares (None: it declares nothing). BAI2 declares account
    # totals that include non-payment items: its parser records what the payment lines
    # held once the trailers proved them.
    expected_count: int | None = None
    expected_total: Decimal | None = None


@dataclass
class ParsedDeposit:
    deposit_date: dt.date
    tenders: list[ParsedTender] = field(default_factory=list)
    expected_count: int | None = None
    expected_total: Decimal | None = None


@dataclass
class ParsedFile:
    deposits: list[ParsedDeposit]
    line_count: int
    # Things the reader let pass and a person should know (e.g. BAI2 record counts).
    warnings: list[str] = field(default_factory=list)

    @property
    def payments(self) -> list[ParsedPayment]:
        return [p for d in self.deposits for t in d.tenders for p in t.payments]


def decode(data: bytes) -> str:
    """Bank files are ASCII; CSVs from spreadsheets may be UTF-8 (with a BOM) or Latin-1."""
    if not data.strip():
        raise FileRejected("the file is empty")
    if b"\x00" in data:
        raise FileRejected("the file is not text (it holds NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_MONEY = re.compile(r"^\$?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]{1,2})?$")


def money(text: str) -> Decimal:
    """A positive amount written as a plain decimal: `12.34`, `1,234.50`, `$5`.
    Exponents, signs and more than two decimals are refused (issue 8 item 3)."""
    cleaned = text.strip()
    if not _MONEY.match(cleaned):
        raise LineError("bad_amount", f"amount {text.strip()!r} is not a plain positive amount")
    amount = Decimal(cleaned.lstrip("$").replace(",", ""))
    return _checked(amount, text)


def cents(text: str) -> Decimal:
    """Bank formats: a whole number of cents (`0000700000` is 7,000.00)."""
    cleaned = text.strip().lstrip("+")
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise LineError("bad_amount", f"amount {text.strip()!r} is not a whole number of cents")
    return _checked(Decimal(int(cleaned)) / 100, text)


def _checked(amount: Decimal, text: str) -> Decimal:
    try:
        amount = amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise LineError("bad_amount", f"amount {text.strip()!r} is too large") from None
    if amount <= ZERO:
        raise LineError("bad_amount", f"amount {text.strip()!r} is not more than zero")
    if amount > settings.OPENCIS_MAX_AMOUNT:
        raise LineError(
            "bad_amount",
            f"amount {amount} is more than the maximum of {settings.OPENCIS_MAX_AMOUNT}",
        )
    return amount


def date_ymd(text: str) -> dt.date:
    """YYMMDD, as bank formats write dates."""
    return _date(text, "%y%m%d", "YYMMDD")


def _date(text: str, pattern: str, shown: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), pattern).date()
    except ValueError:
        raise LineError("bad_date", f"date {text.strip()!r} is not a {shown} date") from None


def date_any(text: str) -> dt.date:
    """CSV dates: ISO `2026-12-01` or US `12/01/2026`."""
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise LineError("bad_date", f"date {text.strip()!r} is not YYYY-MM-DD or MM/DD/YYYY")


def safe_raw(text: str) -> str:
    """The raw line as kept for the CSR, never with a card number in it (DESIGN §8)."""
    if looks_like_card_number(text):
        return re.sub(r"\d[\d -]{11,}\d", "[card number removed]", text)
    return text


def lines_total(payments: list[ParsedPayment]) -> Decimal:
    return sum((p.amount for p in payments if p.amount is not None), ZERO)
