"""NACHA ACH file reader: records with their line numbers, checked against the standard.

Checked: every record is 94 printable ASCII characters; records come in order
(1, then batches 5 [6 [7...]]... 8, then 9, then only 9-filled records); numeric fields
are digits; each batch control (8) matches its batch (service class, entry/addenda
count, entry hash = sum of the 8-digit RDFI ids in its last 10 digits, debit and credit
totals, company id, ODFI, batch number); the file control (9) matches the file (batch
count, block count, entry/addenda count, hash, totals); the file is blocked to a
multiple of ten records. Return addenda (99) and notifications of change (98) are read
with their codes checked against the NACHA tables. The first breach raises
NachaFormatError naming its line.

`lenient=True` is for real bank files that cut trailing blanks or skip blocking: short
records are padded with spaces and blocking is not enforced, each with a warning on the
result; everything else is checked as strictly.
"""

from datetime import date, datetime

from stdnum.us import rtn

from .codes import CHANGE_CODES, LIVE_TRANSACTION_CODES, RETURN_REASONS, TRANSACTION_CODES
from .errors import NachaFormatError
from .fields import BLOCKING_FACTOR, FILLER_RECORD, RECORD_LENGTH
from .records import (
    AchFile,
    BatchRecord,
    ChangeAddenda,
    CorrectedData,
    EntryRecord,
    PaymentAddenda,
    ReturnAddenda,
)


def nacha_file_read(data: bytes | str, *, lenient: bool = False) -> AchFile:
    lines = _physical_lines(data, lenient)
    records, warnings = _records(lines, lenient)
    if not records:
        raise NachaFormatError(None, "the file is empty")
    return _Reader(records, warnings, lenient).read()


def _physical_lines(data: bytes | str, lenient: bool) -> list[str]:
    if isinstance(data, bytes):
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                raw.decode("ascii")
            except UnicodeDecodeError as exc:
                byte = raw[exc.start]
                raise NachaFormatError(
                    number, f"byte 0x{byte:02X} at column {exc.start + 1} is not ASCII"
                )
        data = data.decode("ascii")
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _records(lines: list[str], lenient: bool) -> tuple[list[tuple[int, str]], list[str]]:
    warnings: list[str] = []
    while lines and not lines[-1].strip():
        lines.pop()
    records = []
    for number, line in enumerate(lines, start=1):
        if not (line.isascii() and line.isprintable()):
            column, char = next((i, c) for i, c in enumerate(line, 1) if not " " <= c <= "~")
            raise NachaFormatError(
                number, f"character {char!r} at column {column} is not printable ASCII"
            )
        if len(line) != RECORD_LENGTH:
            if not (lenient and len(line) < RECORD_LENGTH and line.strip()):
                raise NachaFormatError(
                    number, f"record is {len(line)} characters long; NACHA records are 94"
                )
            warnings.append(f"line {number}: record was {len(line)} characters, padded to 94")
            line = line.ljust(RECORD_LENGTH)
        records.append((number, line))
    return records, warnings


def _digits(number: int, text: str, field: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise NachaFormatError(number, f"{field} {text!r} is not numeric")
    return int(text)


def _digit_text(number: int, text: str, field: str) -> str:
    _digits(number, text, field)
    return text


def _yymmdd(number: int, text: str, field: str, *, blank_ok: bool) -> date | None:
    if blank_ok and (not text.strip() or text == "000000"):
        return None
    try:
        return datetime.strptime(text, "%y%m%d").date()
    except ValueError:
        raise NachaFormatError(number, f"{field} {text!r} is not a date (YYMMDD)")


class _Reader:
    def __init__(self, records: list[tuple[int, str]], warnings: list[str], lenient: bool):
        self.records = records
        self.warnings = warnings
        self.lenient = lenient
        self.position = 0

    def next(self) -> tuple[int, str] | None:
        if self.position >= len(self.records):
            return None
        record = self.records[self.position]
        self.position += 1
        return record

    def peek_type(self) -> str | None:
        if self.position >= len(self.records):
            return None
        return self.records[self.position][1][0]

    def read(self) -> AchFile:
        number, line = self.next()
        if line[0] != "1":
            raise NachaFormatError(number, f"a file starts with a file header (1), not {line[0]!r}")
        ach = self.file_header(number, line)
        while self.peek_type() == "5":
            ach.batches.append(self.batch())
        record = self.next()
        if record is None:
            last = self.records[-1][0]
            raise NachaFormatError(last, "the file ends without a file control (9) record")
        number, line = record
        if line[0] != "9" or line == FILLER_RECORD:
            raise NachaFormatError(
                number, f"expected a batch header (5) or the file control (9), not {line[0]!r}"
            )
        self.file_control(ach, number, line)
        while (record := self.next()) is not None:
            if record[1] != FILLER_RECORD:
                raise NachaFormatError(
                    record[0], "only 9-filled records may follow the file control"
                )
        self.check_blocking(ach, number)
        ach.warnings = self.warnings
        return ach

    def file_header(self, number: int, line: str) -> AchFile:
        if line[1:3] != "01":
            raise NachaFormatError(number, f"priority code {line[1:3]!r} is not '01'")
        if line[34:37] != "094" or line[37:39] != "10" or line[39] != "1":
            raise NachaFormatError(
                number, "record size, blocking factor and format code must be 094, 10 and 1"
            )
        for field, text in (("immediate destination", line[3:13]), ("origin", line[13:23])):
            if not text.strip().isdigit():
                message = f"{field} {text.strip()!r} is not a routing number or id"
                if not self.lenient:
                    raise NachaFormatError(number, message)
                self.warnings.append(f"line {number}: {message}")
        try:
            created = datetime.strptime(line[23:33], "%y%m%d%H%M")
        except ValueError:
            created = None
            self.warnings.append(f"line {number}: creation time {line[23:33]!r} unreadable")
        modifier = line[33]
        if not (modifier.isascii() and modifier.isalnum() and not modifier.islower()):
            message = f"file id modifier {modifier!r} is not A-Z or 0-9"
            if not self.lenient:
                raise NachaFormatError(number, message)
            self.warnings.append(f"line {number}: {message}")
        return AchFile(
            immediate_destination=line[3:13].strip(),
            immediate_origin=line[13:23].strip(),
            created_at=created,
            file_id_modifier=modifier,
            immediate_destination_name=line[40:63].rstrip(),
            immediate_origin_name=line[63:86].rstrip(),
            reference_code=line[86:94].rstrip(),
        )

    def batch(self) -> BatchRecord:
        number, line = self.next()
        batch = _batch_header(number, line)
        while self.peek_type() == "6":
            batch.entries.append(self.entry(batch))
        record = self.next()
        if record is None or record[1][0] != "8":
            where = record[0] if record else self.records[-1][0]
            found = repr(record[1][0]) if record else "the end of the file"
            raise NachaFormatError(
                where,
                f"expected an entry (6) or the batch control (8) of line {number}'s "
                f"batch, not {found}",
            )
        if not batch.entries:
            raise NachaFormatError(number, "the batch has no entries")
        _batch_control(batch, *record)
        return batch

    def entry(self, batch: BatchRecord) -> EntryRecord:
        number, line = self.next()
        entry = _entry_detail(number, line, batch)
        while self.peek_type() == "7":
            add_number, add_line = self.next()
            if entry.addenda_indicator != 1:
                raise NachaFormatError(
                    add_number,
                    f"an addenda record follows line {number}, whose addenda indicator is 0",
                )
            _addenda(add_number, add_line, entry, batch)
            if add_line[1:3] in ("98", "99"):
                warning = _addenda_trace_warning(add_number, add_line, entry)
                if warning:
                    self.warnings.append(warning)
        if entry.addenda_indicator == 1 and entry.record_count == 1:
            raise NachaFormatError(number, "addenda indicator is 1 but no addenda record follows")
        if batch.sec_code == "COR" and entry.record_count == 1:
            raise NachaFormatError(number, "a COR entry needs a change addenda (98)")
        return entry

    def file_control(self, ach: AchFile, number: int, line: str) -> None:
        batches = _digits(number, line[1:7], "batch count")
        ach.block_count = _digits(number, line[7:13], "block count")
        ach.entry_count = _digits(number, line[13:21], "entry/addenda count")
        ach.entry_hash = _digits(number, line[21:31], "entry hash")
        ach.total_debit_cents = _digits(number, line[31:43], "total debit")
        ach.total_credit_cents = _digits(number, line[43:55], "total credit")
        ach.line_count = len(self.records)
        bs = ach.batches
        expected = (
            ("batch count", batches, len(bs)),
            ("entry/addenda count", ach.entry_count, sum(b.entry_count for b in bs)),
            ("entry hash", ach.entry_hash, sum(b.entry_hash for b in bs) % 10**10),
            ("total debit", ach.total_debit_cents, sum(b.total_debit_cents for b in bs)),
            ("total credit", ach.total_credit_cents, sum(b.total_credit_cents for b in bs)),
        )
        for field, said, found in expected:
            if said != found:
                raise NachaFormatError(
                    number, f"file control {field} says {said} but the batches add up to {found}"
                )

    def check_blocking(self, ach: AchFile, control_line: int) -> None:
        records = len(self.records)
        blocks = -(-records // BLOCKING_FACTOR)
        problems = []
        if records % BLOCKING_FACTOR:
            problems.append(f"the file has {records} records, not a multiple of ten")
        if ach.block_count != blocks:
            problems.append(f"file control block count says {ach.block_count}, not {blocks}")
        for problem in problems:
            if not self.lenient:
                raise NachaFormatError(control_line, problem)
            self.warnings.append(f"line {control_line}: {problem}")


def _batch_header(number: int, line: str) -> BatchRecord:
    service_class = _digits(number, line[1:4], "service class code")
    if service_class not in (200, 220, 225, 280):
        raise NachaFormatError(
            number, f"service class code {service_class} is not 200, 220, 225 or 280"
        )
    sec = line[50:53]
    if sec == "IAT":
        raise NachaFormatError(number, "IAT batches are not supported")
    if not (sec.isascii() and sec.isalpha() and sec.isupper()):
        raise NachaFormatError(number, f"SEC code {sec!r} is not three letters")
    return BatchRecord(
        line=number,
        service_class=service_class,
        company_name=line[4:20].rstrip(),
        discretionary_data=line[20:40].rstrip(),
        company_id=line[40:50].strip(),
        sec_code=sec,
        entry_description=line[53:63].rstrip(),
        descriptive_date=line[63:69].rstrip(),
        effective_date=_yymmdd(number, line[69:75], "effective entry date", blank_ok=True),
        settlement_date=line[75:78].strip(),
        originator_status=line[78],
        odfi=_digit_text(number, line[79:87], "originating DFI"),
        batch_number=_digits(number, line[87:94], "batch number"),
    )


def _entry_detail(number: int, line: str, batch: BatchRecord) -> EntryRecord:
    code = _digits(number, line[1:3], "transaction code")
    if code not in TRANSACTION_CODES:
        raise NachaFormatError(number, f"transaction code {code} is not a NACHA code")
    _digits(number, line[3:12], "receiving DFI routing number")
    indicator = line[78]
    if indicator not in "01":
        raise NachaFormatError(number, f"addenda indicator {indicator!r} is not 0 or 1")
    amount = _digits(number, line[29:39], "amount")
    if batch.sec_code == "COR" and amount:
        raise NachaFormatError(number, "a notification of change (COR) entry carries no amount")
    trace = line[79:94]
    _digits(number, trace, "trace number")
    return EntryRecord(
        line=number,
        transaction_code=code,
        routing_number=line[3:12],
        account_number=line[12:29].strip(),
        amount_cents=amount,
        individual_id=line[39:54].strip(),
        individual_name=line[54:76].strip(),
        discretionary_data=line[76:78].rstrip(),
        addenda_indicator=int(indicator),
        trace_number=trace,
    )


def _addenda(number: int, line: str, entry: EntryRecord, batch: BatchRecord) -> None:
    kind = line[1:3]
    if kind == "05":
        if entry.return_addenda or entry.change_addenda:
            raise NachaFormatError(number, "a payment addenda (05) after a return or NOC addenda")
        sequence = _digits(number, line[83:87], "addenda sequence number")
        if sequence != len(entry.addenda) + 1:
            raise NachaFormatError(
                number, f"addenda sequence number {sequence}, expected {len(entry.addenda) + 1}"
            )
        if line[87:94] != entry.trace_number[8:]:
            raise NachaFormatError(
                number,
                f"entry detail sequence {line[87:94]!r} is not the entry's "
                f"{entry.trace_number[8:]!r} (line {entry.line})",
            )
        entry.addenda.append(PaymentAddenda(number, line[3:83].rstrip(), sequence, line[87:94]))
        return
    if entry.record_count > 1:
        raise NachaFormatError(number, "a return or NOC entry has exactly one addenda record")
    if kind == "99":
        entry.return_addenda = _return_addenda(number, line, entry)
    elif kind == "98":
        if batch.sec_code != "COR":
            raise NachaFormatError(number, f"a NOC addenda (98) in a {batch.sec_code} batch")
        entry.change_addenda = _change_addenda(number, line, entry)
    else:
        raise NachaFormatError(number, f"addenda type code {kind!r} is not supported (05, 98, 99)")


def _return_addenda(number: int, line: str, entry: EntryRecord) -> ReturnAddenda:
    code = line[3:6]
    if code not in RETURN_REASONS:
        raise NachaFormatError(number, f"return reason code {code!r} is not a NACHA code")
    return ReturnAddenda(
        line=number,
        reason_code=code,
        reason=RETURN_REASONS[code],
        original_trace_number=_digit_text(number, line[6:21], "original entry trace number"),
        date_of_death=_yymmdd(number, line[21:27], "date of death", blank_ok=True),
        original_rdfi=_digit_text(number, line[27:35], "original receiving DFI"),
        addenda_info=line[35:79].rstrip(),
        trace_number=line[79:94],
    )


def _change_addenda(number: int, line: str, entry: EntryRecord) -> ChangeAddenda:
    code = line[3:6]
    if code not in CHANGE_CODES:
        raise NachaFormatError(number, f"change code {code!r} is not a NACHA change code")
    return ChangeAddenda(
        line=number,
        change_code=code,
        title=CHANGE_CODES[code],
        original_trace_number=_digit_text(number, line[6:21], "original entry trace number"),
        original_rdfi=_digit_text(number, line[27:35], "original receiving DFI"),
        corrected=_corrected_data(number, code, line[35:64]),
        trace_number=line[79:94],
    )


def _addenda_trace_warning(number: int, line: str, entry: EntryRecord) -> str | None:
    """The addenda of a return or NOC repeats its entry's trace number. Some banks (and
    moov-io's sample NOC) put another trace there; that costs no money, so it is a warning:
    matching uses the original entry trace number."""
    if line[79:94] == entry.trace_number:
        return None
    return (
        f"line {number}: addenda trace number {line[79:94]!r} is not its entry's "
        f"{entry.trace_number!r} (line {entry.line})"
    )


def _corrected_data(number: int, code: str, raw: str) -> CorrectedData:
    """Split the 29-character corrected data field the way its change code lays it out."""
    account = routing = tx_code = None
    if code == "C01":
        account = raw[0:17]
    elif code == "C02":
        routing = raw[0:9]
    elif code == "C03":
        routing, account = raw[0:9], raw[12:29]
    elif code == "C05":
        tx_code = raw[0:2]
    elif code == "C06":
        account, tx_code = raw[0:17], raw[20:22]
    elif code == "C07":
        routing, account, tx_code = raw[0:9], raw[9:26], raw[26:28]
    elif code == "C04":
        return CorrectedData(raw=raw.rstrip(), individual_name=_required(number, raw[0:22], "name"))
    elif code == "C09":
        return CorrectedData(raw=raw.rstrip(), individual_id=_required(number, raw[0:22], "id"))
    return CorrectedData(
        raw=raw.rstrip(),
        account_number=_corrected_account(number, account) if account is not None else None,
        routing_number=_corrected_routing(number, routing) if routing is not None else None,
        transaction_code=_corrected_code(number, tx_code) if tx_code is not None else None,
    )


def _required(number: int, text: str, what: str) -> str:
    if not text.strip():
        raise NachaFormatError(number, f"corrected {what} is blank")
    return text.strip()


def _corrected_account(number: int, text: str) -> str:
    account = _required(number, text, "account number")
    if not all(c.isalnum() or c == "-" for c in account):
        raise NachaFormatError(number, f"corrected account number {account!r} is not valid")
    return account


def _corrected_routing(number: int, text: str) -> str:
    if not rtn.is_valid(text):
        raise NachaFormatError(number, f"corrected routing number {text!r} is not a valid ABA")
    return text


def _corrected_code(number: int, text: str) -> int:
    if not text.isdigit() or int(text) not in LIVE_TRANSACTION_CODES:
        raise NachaFormatError(number, f"corrected transaction code {text!r} is not valid")
    return int(text)


def _batch_control(batch: BatchRecord, number: int, line: str) -> None:
    entries = batch.entries
    said = {
        "service class code": _digits(number, line[1:4], "service class code"),
        "entry/addenda count": _digits(number, line[4:10], "entry/addenda count"),
        "entry hash": _digits(number, line[10:20], "entry hash"),
        "total debit": _digits(number, line[20:32], "total debit"),
        "total credit": _digits(number, line[32:44], "total credit"),
        "company id": line[44:54].strip(),
        "originating DFI": line[79:87],
        "batch number": _digits(number, line[87:94], "batch number"),
    }
    found = {
        "service class code": batch.service_class,
        "entry/addenda count": sum(e.record_count for e in entries),
        "entry hash": sum(int(e.routing_number[:8]) for e in entries) % 10**10,
        "total debit": sum(e.amount_cents for e in entries if e.is_debit),
        "total credit": sum(e.amount_cents for e in entries if not e.is_debit),
        "company id": batch.company_id,
        "originating DFI": batch.odfi,
        "batch number": batch.batch_number,
    }
    for field, value in said.items():
        if value != found[field]:
            raise NachaFormatError(
                number,
                f"batch control {field} says {value!r} but the batch (line "
                f"{batch.line}) has {found[field]!r}",
            )
    batch.control_line = number
    batch.entry_count = said["entry/addenda count"]
    batch.entry_hash = said["entry hash"]
    batch.total_debit_cents = said["total debit"]
    batch.total_credit_cents = said["total credit"]
