"""NACHA ACH file writer for PPD debit files (seed 001 steps 5.7-5.9).

Records, in order (every one 94 characters):

    1 file header    5 batch header (one per company id / effective date)
    6 entry detail   7 addenda (optional, one type 05 per entry)   8 batch control   9 file control
    then 9-filled records up to a multiple of ten (the blocking factor).

Entries are debits (27 checking, 37 savings) unless marked `is_credit` (22 / 32: refunds
paid by ACH credit); a batch of credits only is written with service class 220. A batch
given an `offset` account also carries one balancing credit (22 / 32) for the batch's debit
total and is written with service class 200 (mixed); otherwise 225 (debits only). Trace
numbers are the ODFI's first 8 routing digits plus a 7-digit sequence, unique across the
file; the result returns them in entry order so the caller can match returns later.

Which originator and effective date go in one file is the caller's choice; a file may
hold several batches.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .errors import NachaFieldError
from .fields import (
    BLOCKING_FACTOR,
    FILLER_RECORD,
    alpha,
    amount_cents,
    dfi_account,
    numeric,
    rdfi_id,
    routing,
)


class AccountType(enum.StrEnum):
    CHECKING = "checking"
    SAVINGS = "savings"


# Transaction codes (first digit: 2 checking, 3 savings; second: 2 credit, 7 debit).
DEBIT_CODES = {AccountType.CHECKING: 27, AccountType.SAVINGS: 37}
CREDIT_CODES = {AccountType.CHECKING: 22, AccountType.SAVINGS: 32}
SERVICE_CLASS_DEBITS = 225
SERVICE_CLASS_CREDITS = 220
SERVICE_CLASS_MIXED = 200


@dataclass(frozen=True, slots=True)
class Entry:
    """One debit. `individual_id` is our account number (what returns come back with)."""

    routing_number: str  # 9-digit ABA of the receiving bank, check digit included
    account_number: str  # the customer's bank account (DFI account number, <= 17)
    account_type: AccountType
    amount: Decimal
    individual_id: str  # our account number, <= 15
    individual_name: str  # <= 22, longer names are cut (banks do the same)
    discretionary_data: str = ""
    # Payment-related information (<= 80): one optional addenda 05 (PPD allows one).
    addenda: str = ""
    # A credit to the receiver (a refund) instead of a debit.
    is_credit: bool = False


@dataclass(frozen=True, slots=True)
class OffsetAccount:
    """The originator's own account, credited with the batch total (a balanced file)."""

    routing_number: str
    account_number: str
    account_type: AccountType = AccountType.CHECKING
    name: str = ""
    individual_id: str = ""  # default: the company id


@dataclass(frozen=True, slots=True)
class Batch:
    company_name: str  # <= 16
    company_id: str  # <= 10, as the bank assigned it (often 1 + tax id)
    entry_description: str  # <= 10, shown on the customer's statement ("AUTOPAY")
    effective_date: date
    entries: Sequence[Entry]
    discretionary_data: str = ""  # <= 20
    descriptive_date: str = ""  # <= 6, free text ("DEC 26")
    offset: OffsetAccount | None = None


@dataclass(frozen=True, slots=True)
class FileHeader:
    immediate_destination: str  # 9-digit ABA of the bank receiving the file
    immediate_destination_name: str  # <= 23
    immediate_origin: str  # <= 10 digits (the ODFI routing or a company id)
    immediate_origin_name: str  # <= 23
    originating_dfi: str  # 9-digit ABA of the ODFI: batch headers and trace numbers
    created_at: datetime
    file_id_modifier: str = "A"
    reference_code: str = ""  # <= 8


@dataclass(frozen=True, slots=True)
class WrittenBatch:
    batch_number: int
    entry_count: int  # entries and addenda, as the batch control counts them
    entry_hash: int
    total_debit_cents: int
    total_credit_cents: int
    trace_numbers: list[str]  # one per given entry, in order (the offset's is last below)
    offset_trace_number: str | None = None


@dataclass(frozen=True, slots=True)
class WrittenFile:
    text: str
    batches: list[WrittenBatch] = field(default_factory=list)
    record_count: int = 0
    block_count: int = 0
    entry_count: int = 0
    entry_hash: int = 0
    total_debit_cents: int = 0
    total_credit_cents: int = 0


def nacha_file_write(
    *, header: FileHeader, batches: Sequence[Batch], first_trace_sequence: int = 1
) -> WrittenFile:
    """Build the whole file in memory; raise NachaFieldError (naming the batch, entry and
    field) before anything is returned when a value cannot be written."""
    if not batches:
        raise NachaFieldError("batches", "a file needs at least one batch")
    odfi = routing(header.originating_dfi, "originating DFI")[:8]
    lines = [_file_header(header)]
    written: list[WrittenBatch] = []
    sequence = first_trace_sequence
    for number, batch in enumerate(batches, start=1):
        result = _write_batch(lines, batch, number, odfi, sequence)
        sequence += len(result.trace_numbers) + (1 if result.offset_trace_number else 0)
        written.append(result)
    entry_count = sum(b.entry_count for b in written)
    entry_hash = sum(b.entry_hash for b in written) % 10**10
    debits = sum(b.total_debit_cents for b in written)
    credits = sum(b.total_credit_cents for b in written)
    records = len(lines) + 1
    blocks = -(-records // BLOCKING_FACTOR)
    lines.append(
        "9"
        + numeric(len(written), 6, "file control batch count")
        + numeric(blocks, 6, "file control block count")
        + numeric(entry_count, 8, "file control entry/addenda count")
        + numeric(entry_hash, 10, "file control entry hash")
        + numeric(debits, 12, "file control total debit")
        + numeric(credits, 12, "file control total credit")
        + " " * 39
    )
    lines.extend([FILLER_RECORD] * (blocks * BLOCKING_FACTOR - records))
    return WrittenFile(
        text="\n".join(lines) + "\n",
        batches=written,
        record_count=len(lines),
        block_count=blocks,
        entry_count=entry_count,
        entry_hash=entry_hash,
        total_debit_cents=debits,
        total_credit_cents=credits,
    )


def _file_header(header: FileHeader) -> str:
    modifier = header.file_id_modifier.upper()
    if len(modifier) != 1 or not (modifier.isascii() and modifier.isalnum()):
        raise NachaFieldError("file id modifier", f"{header.file_id_modifier!r} is not A-Z/0-9")
    origin = header.immediate_origin.strip()
    if not origin or len(origin) > 10 or not (origin.isascii() and origin.isdigit()):
        raise NachaFieldError("immediate origin", f"{header.immediate_origin!r} is not 1-10 digits")
    return (
        "101"
        + " "
        + routing(header.immediate_destination, "immediate destination")
        + origin.rjust(10)
        + header.created_at.strftime("%y%m%d%H%M")
        + modifier
        + "094"
        + "10"
        + "1"
        + alpha(header.immediate_destination_name, 23, "immediate destination name")
        + alpha(header.immediate_origin_name, 23, "immediate origin name")
        + alpha(header.reference_code, 8, "reference code")
    )


def _write_batch(lines: list[str], batch: Batch, number: int, odfi: str, sequence: int):
    where = f"batch {number}"
    if not batch.entries:
        raise NachaFieldError(where, "a batch needs at least one entry")
    has_credits = any(e.is_credit for e in batch.entries)
    if batch.offset or (has_credits and not all(e.is_credit for e in batch.entries)):
        service_class = SERVICE_CLASS_MIXED
    else:
        service_class = SERVICE_CLASS_CREDITS if has_credits else SERVICE_CLASS_DEBITS
    company_id = alpha(batch.company_id, 10, f"{where} company id", required=True)
    batch_number = numeric(number, 7, f"{where} batch number")
    lines.append(
        "5"
        + str(service_class)
        + alpha(batch.company_name, 16, f"{where} company name", required=True)
        + alpha(batch.discretionary_data, 20, f"{where} company discretionary data")
        + company_id
        + "PPD"
        + alpha(batch.entry_description, 10, f"{where} company entry description", required=True)
        + alpha(batch.descriptive_date, 6, f"{where} company descriptive date")
        + batch.effective_date.strftime("%y%m%d")
        + "   "  # settlement date: the ACH operator fills it in
        + "1"
        + odfi
        + batch_number
    )
    traces: list[str] = []
    count = entry_hash = debits = credits = 0
    last_sequence = sequence + len(batch.entries) - (0 if batch.offset else 1)
    if sequence < 1 or last_sequence > 9_999_999:
        raise NachaFieldError(
            where, f"trace sequences {sequence}-{last_sequence} do not fit 7 digits"
        )
    for index, entry in enumerate(batch.entries, start=1):
        trace = f"{odfi}{sequence:07d}"
        try:
            codes = CREDIT_CODES if entry.is_credit else DEBIT_CODES
            cents, rdfi = _entry(lines, entry, codes[entry.account_type], trace)
        except (NachaFieldError, KeyError) as error:
            if isinstance(error, KeyError):
                error = NachaFieldError("account type", f"{entry.account_type!r} is unknown")
            raise error.within(f"{where} entry {index}") from None
        traces.append(trace)
        sequence += 1
        count += 2 if entry.addenda else 1
        entry_hash += rdfi
        if entry.is_credit:
            credits += cents
        else:
            debits += cents
    offset_trace = None
    if batch.offset is not None:
        offset_trace = f"{odfi}{sequence:07d}"
        offset = batch.offset
        credit = Entry(
            routing_number=offset.routing_number,
            account_number=offset.account_number,
            account_type=offset.account_type,
            amount=Decimal(debits) / 100,
            individual_id=offset.individual_id or batch.company_id,
            individual_name=offset.name or batch.company_name,
        )
        try:
            offset_cents, rdfi = _entry(
                lines, credit, CREDIT_CODES[offset.account_type], offset_trace
            )
        except NachaFieldError as error:
            raise error.within(f"{where} offset") from None
        credits += offset_cents
        count += 1
        entry_hash += rdfi
    entry_hash %= 10**10
    lines.append(
        "8"
        + str(service_class)
        + numeric(count, 6, f"{where} entry/addenda count")
        + numeric(entry_hash, 10, f"{where} entry hash")
        + numeric(debits, 12, f"{where} total debit")
        + numeric(credits, 12, f"{where} total credit")
        + company_id
        + " " * 19  # message authentication code
        + " " * 6
        + odfi
        + batch_number
    )
    return WrittenBatch(number, count, entry_hash, debits, credits, traces, offset_trace)


def _entry(lines: list[str], entry: Entry, code: int, trace: str) -> tuple[int, int]:
    """Append one entry (and its addenda); the hot path of a 100,000-entry night."""
    rdfi = rdfi_id(entry.routing_number)
    cents = amount_cents(entry.amount)
    if not cents:
        # A live entry moves money; zero-dollar entries are prenotes (28/38), not written.
        raise NachaFieldError("amount", "a debit of 0.00 is not an entry")
    account = dfi_account(entry.account_number)
    individual_id = alpha(entry.individual_id, 15, "individual id", required=True)
    name = alpha(entry.individual_name, 22, "individual name", truncate=True, required=True)
    discretionary = entry.discretionary_data
    discretionary = alpha(discretionary, 2, "discretionary data") if discretionary else "  "
    indicator = "1" if entry.addenda else "0"
    lines.append(
        f"6{code}{entry.routing_number}{account}{cents:010d}{individual_id}{name}"
        f"{discretionary}{indicator}{trace}"
    )
    if entry.addenda:
        lines.append(f"705{alpha(entry.addenda, 80, 'addenda')}0001{trace[8:]}")
    return cents, rdfi


__all__ = [
    "AccountType",
    "Batch",
    "Entry",
    "FileHeader",
    "OffsetAccount",
    "WrittenBatch",
    "WrittenFile",
    "nacha_file_write",
]
