"""CSV remittance files (`csv`): a header row, then one payment per line.

Columns (by header name, any order, case-insensitive): `account`, `amount`, `date`
(payment date), `check_number`; optional `accounting_date`, `payer_name`, `reference`
(the remitter's id for the item, kept as the event's external id), `tender_type` (a
tender type code, default CHECK) and `payee_accounts` for a multi-account pay advice
(seed 003 step 5.9): `1000000001:20.00;1000000002:30.00` pays those accounts from the
line's amount, the rest (if any) pays `account`.

An optional trailer row declares the file's totals: `TOTAL,<amount>,<count>` (first three
cells); when present and it disagrees with the lines, the file is rejected.
"""

import csv
import io
from decimal import Decimal

from django.utils import timezone

from .parsed import (
    FileRejected,
    LineError,
    ParsedAdvice,
    ParsedDeposit,
    ParsedFile,
    ParsedPayment,
    ParsedTender,
    date_any,
    decode,
    lines_total,
    money,
    safe_raw,
)

REQUIRED = ("account", "amount", "date")
OPTIONAL = (
    "check_number",
    "accounting_date",
    "payer_name",
    "reference",
    "tender_type",
    "payee_accounts",
)


def parse(data: bytes) -> ParsedFile:
    physical = decode(data).splitlines()
    rows = rows_of(physical)
    header_number, header = rows[0]
    columns = columns_of(header, header_number)
    return one_deposit_file(
        physical,
        rows,
        columns,
        _payment,
        what="CSV file",
        reference="CSV remittance",
    )


def one_deposit_file(
    physical, rows, columns, payment_of, *, what: str, reference: str
) -> ParsedFile:
    """A CSV-shaped file (header row, payment lines, an optional `TOTAL` trailer) as one
    deposit of one tender group; `payment_of(line number, raw line, cells, columns)` reads
    a line."""
    payments: list[ParsedPayment] = []
    declared: tuple[Decimal, int] | None = None
    for number, cells in rows[1:]:
        if cells and cells[0].strip().upper() == "TOTAL":
            declared = trailer(number, cells)
            continue
        payments.append(payment_of(number, physical[number - 1], cells, columns))
    if not payments:
        raise FileRejected(f"the {what} holds no payment lines: nothing to stage")
    tender = ParsedTender(reference=reference, payments=payments)
    if declared is not None:
        check_declared(declared, payments)
        tender.expected_total, tender.expected_count = declared
    # The deposit is dated by its earliest line: a line dated later waits on its own
    # (the upload job keeps it Pending until its day) instead of holding back the file.
    days = [p.accounting_date for p in payments if p.accounting_date]
    deposit = ParsedDeposit(deposit_date=min(days) if days else timezone.localdate())
    deposit.tenders = [tender]
    deposit.expected_count, deposit.expected_total = tender.expected_count, tender.expected_total
    return ParsedFile(deposits=[deposit], line_count=len(physical))


def rows_of(physical: list[str]) -> list[tuple[int, list[str]]]:
    rows = []
    for number, line in enumerate(physical, start=1):
        if not line.strip():
            continue
        try:
            cells = next(csv.reader(io.StringIO(line)))
        except csv.Error as exc:
            raise FileRejected(f"line {number}: unreadable CSV ({exc})") from None
        rows.append((number, cells))
    if not rows:
        raise FileRejected("the file is empty")
    return rows


def columns_of(
    header: list[str],
    number: int,
    required: tuple[str, ...] = REQUIRED,
    optional: tuple[str, ...] = OPTIONAL,
    aliases: dict[str, str] | None = None,
) -> dict[str, int]:
    aliases = aliases or {}
    names = [h.strip().lower().replace(" ", "_") for h in header]
    names = [aliases.get(n, n) for n in names]
    missing = [c for c in required if c not in names]
    if missing:
        raise FileRejected(
            f"line {number}: the header row has no {', '.join(missing)} column "
            f"(it needs {', '.join(required)}; optional: {', '.join(optional)})"
        )
    return {name: names.index(name) for name in (*required, *optional) if name in names}


def cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _payment(number: int, raw: str, cells: list[str], columns: dict[str, int]) -> ParsedPayment:
    def get(name: str) -> str:
        return cell(cells, columns, name)

    payment = ParsedPayment(
        line_number=number,
        raw_line=safe_raw(raw),
        account_reference=get("account")[:80],
        amount_text=get("amount")[:40],
        check_number=get("check_number")[:30],
        payer_name=get("payer_name")[:120],
        external_id=get("reference")[:80],
        tender_type=get("tender_type").upper() or "CHECK",
    )
    try:
        if len(cells) <= max(columns.values()):
            raise LineError("bad_line", f"the line has {len(cells)} cells, fewer than the header")
        if not payment.account_reference:
            raise LineError("no_account", "no account number")
        payment.amount = money(payment.amount_text)
        payment.payment_date = date_any(get("date"))
        accounting = get("accounting_date")
        payment.accounting_date = date_any(accounting) if accounting else payment.payment_date
        payment.advices = _advices(get("payee_accounts"), payment.amount)
    except LineError as exc:
        payment.error_reason, payment.error = exc.reason, str(exc)
    return card_checked(payment, raw)


def card_checked(payment: ParsedPayment, raw: str) -> ParsedPayment:
    """A line holding a card number keeps nothing but its line number and the reason."""
    if payment.raw_line == raw:
        return payment
    return ParsedPayment(
        line_number=payment.line_number,
        raw_line=payment.raw_line,
        error_reason="card_number",
        error="the line holds a card number, which is never stored: the line was not kept",
    )


def _advices(text: str, amount: Decimal) -> list[ParsedAdvice]:
    advices = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        account, _, amount_text = part.partition(":")
        if not account.strip() or not amount_text.strip():
            raise LineError("bad_advice", f"payee {part!r} is not ACCOUNT:AMOUNT")
        advices.append(
            ParsedAdvice(account.strip()[:80], amount_text.strip()[:40], money(amount_text))
        )
    paid = sum((a.amount for a in advices), Decimal("0.00"))
    if paid > amount:
        raise LineError(
            "bad_advice", f"the payee accounts take ${paid:,.2f}, more than the ${amount:,.2f} paid"
        )
    return advices


def trailer(number: int, cells: list[str]) -> tuple[Decimal, int]:
    try:
        total = money(cells[1]) if len(cells) > 1 else None
        count = int(cells[2].strip()) if len(cells) > 2 and cells[2].strip() else None
    except (LineError, ValueError):
        total = count = None
    if total is None or count is None:
        raise FileRejected(f"line {number}: the TOTAL row must be TOTAL,<amount>,<count>")
    return total, count


def check_declared(declared: tuple[Decimal, int], payments: list[ParsedPayment]) -> None:
    total, count = declared
    if count != len(payments):
        raise FileRejected(f"the TOTAL row says {count} payments but the file has {len(payments)}")
    if any(p.amount is None for p in payments):
        return  # an unreadable amount: that line is in Error, the job holds the group
    found = lines_total(payments)
    if found != total:
        raise FileRejected(
            f"the TOTAL row says ${total:,.2f} but the payment lines add up to ${found:,.2f}"
        )
