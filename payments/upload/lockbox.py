"""BAI lockbox fixed-width files (`lockbox`): records by their first character.

    1 immediate address header   2 service record   5 detail (batch) header
    6 detail: one check          4 overflow: remittance data (our account number)
    7 batch total                8 service (lockbox) total   9 destination trailer

One deposit per file (the service total, record 8); one tender group per batch (5 ... 7);
one payment per record 6, whose account number is the first overflow (4) memo that
follows it. Amounts are whole cents; deposit dates YYMMDD, check dates MMDDYY. Batch
totals (7), lockbox totals (8) and the record count (9) are checked against the lines.
"""

from decimal import Decimal

from .parsed import (
    FileRejected,
    LineError,
    ParsedDeposit,
    ParsedFile,
    ParsedPayment,
    ParsedTender,
    _date,
    cents,
    date_ymd,
    decode,
    lines_total,
    safe_raw,
)

RECORD_TYPES = set("12456789")


def parse(data: bytes) -> ParsedFile:
    physical = decode(data).splitlines()
    deposit: ParsedDeposit | None = None
    batch: ParsedTender | None = None
    batches: list[ParsedTender] = []
    last: ParsedPayment | None = None
    records = 0
    trailer_count: int | None = None
    for number, line in enumerate(physical, start=1):
        if not line.strip():
            continue
        records += 1
        kind = line[0]
        if kind not in RECORD_TYPES:
            raise FileRejected(f"line {number}: {kind!r} is not a lockbox record type")
        if kind == "5":
            day = _field_date(line[14:20], number)
            deposit = deposit or ParsedDeposit(deposit_date=day)
            batch = ParsedTender(reference=f"lockbox {line[7:14]} batch {line[1:4]}")
            batches.append(batch)
            last = None
        elif kind == "6":
            if batch is None:
                raise FileRejected(f"line {number}: a check (record 6) outside a batch")
            last = _payment(number, line, deposit.deposit_date)
            batch.payments.append(last)
        elif kind == "4":
            if last is not None and not last.account_reference:
                last.account_reference = line[11:41].strip()
                last.raw_line += "\n" + safe_raw(line.rstrip())
        elif kind == "7":
            if batch is None:
                raise FileRejected(f"line {number}: a batch total (record 7) outside a batch")
            batch.expected_count = _whole(line[20:23], number, "remittance count")
            batch.expected_total = _total(line[23:33], number)
            _check(batch.reference, batch.payments, batch.expected_count, batch.expected_total)
            batch, last = None, None
        elif kind == "8":
            if deposit is None:
                raise FileRejected(f"line {number}: a lockbox total (record 8) before any batch")
            deposit.expected_count = _whole(line[20:24], number, "check count")
            deposit.expected_total = _total(line[24:34], number)
            lines = [p for b in batches for p in b.payments]
            _check(f"lockbox {line[7:14]}", lines, deposit.expected_count, deposit.expected_total)
        elif kind == "9":
            trailer_count = _whole(line[1:7], number, "record count")
    if deposit is None or not batches:
        raise FileRejected("the lockbox file holds no batches (record 5): nothing to stage")
    if batch is not None:
        raise FileRejected(f"{batch.reference} has no batch total (record 7)")
    if trailer_count is not None and trailer_count != records:
        raise FileRejected(
            f"the trailer (record 9) says {trailer_count} records but the file has {records}"
        )
    deposit.tenders = batches
    return ParsedFile(deposits=[deposit], line_count=len(physical))


def _payment(number: int, line: str, deposit_date) -> ParsedPayment:
    payment = ParsedPayment(
        line_number=number,
        raw_line=safe_raw(line.rstrip()),
        amount_text=line[7:17].strip(),
        check_number=line[36:46].strip().lstrip("0"),
        payer_name=line[52:82].strip(),
        accounting_date=deposit_date,
        payment_date=deposit_date,
        tender_type="CHECK",
    )
    try:
        payment.amount = cents(line[7:17])
        if line[46:52].strip():
            payment.payment_date = _date(line[46:52], "%m%d%y", "MMDDYY")
    except LineError as exc:
        payment.error_reason, payment.error = exc.reason, str(exc)
    return payment


def _check(what: str, lines: list[ParsedPayment], count: int, total: Decimal) -> None:
    """A mismatch rejects the file, unless a line's amount could not be read: then the
    line is in Error and the upload job holds the group until a CSR fixes it."""
    if len(lines) != count:
        raise FileRejected(
            f"{what}: the total record says {count} checks but the file has {len(lines)}"
        )
    if any(p.amount is None for p in lines):
        return
    found = lines_total(lines)
    if found != total:
        raise FileRejected(
            f"{what}: the total record says ${total:,.2f} but its checks add up to ${found:,.2f}"
        )


def _field_date(text: str, number: int):
    try:
        return date_ymd(text)
    except LineError as exc:
        raise FileRejected(f"line {number}: {exc}") from None


def _whole(text: str, number: int, what: str) -> int:
    if not text.strip().isdigit():
        raise FileRejected(f"line {number}: {what} {text.strip()!r} is not a number")
    return int(text)


def _total(text: str, number: int) -> Decimal:
    if not text.strip().isdigit():
        raise FileRejected(f"line {number}: total {text.strip()!r} is not a whole number of cents")
    return (Decimal(int(text)) / 100).quantize(Decimal("0.01"))
