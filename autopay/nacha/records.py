"""What the reader returns: every record with the line it came from."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PaymentAddenda:
    """Addenda type 05: payment-related information."""

    line: int
    payment_info: str
    sequence: int
    entry_sequence: str


@dataclass(frozen=True, slots=True)
class ReturnAddenda:
    """Addenda type 99 on a returned entry."""

    line: int
    reason_code: str  # R01 ...
    reason: str
    original_trace_number: str  # the trace number of our entry that came back
    date_of_death: date | None
    original_rdfi: str  # 8 digits
    addenda_info: str
    trace_number: str


@dataclass(frozen=True, slots=True)
class CorrectedData:
    """A NOC's corrected data, split by what its change code corrects (None: unchanged)."""

    raw: str
    account_number: str | None = None
    routing_number: str | None = None
    transaction_code: int | None = None
    individual_name: str | None = None
    individual_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeAddenda:
    """Addenda type 98: a notification of change (NOC) or a refused NOC."""

    line: int
    change_code: str  # C01 ...
    title: str
    original_trace_number: str
    original_rdfi: str
    corrected: CorrectedData
    trace_number: str


@dataclass(slots=True)
class EntryRecord:
    line: int
    transaction_code: int
    routing_number: str  # 9 characters: the 8-digit RDFI id and its check digit
    account_number: str
    amount_cents: int
    individual_id: str
    individual_name: str
    discretionary_data: str
    addenda_indicator: int
    trace_number: str
    addenda: list[PaymentAddenda] = field(default_factory=list)
    return_addenda: ReturnAddenda | None = None
    change_addenda: ChangeAddenda | None = None

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents).scaleb(-2)

    @property
    def is_debit(self) -> bool:
        return self.transaction_code % 10 >= 5

    @property
    def record_count(self) -> int:
        extra = (self.return_addenda is not None) + (self.change_addenda is not None)
        return 1 + len(self.addenda) + extra


@dataclass(slots=True)
class BatchRecord:
    line: int
    service_class: int
    company_name: str
    discretionary_data: str
    company_id: str
    sec_code: str
    entry_description: str
    descriptive_date: str
    effective_date: date | None
    settlement_date: str
    originator_status: str
    odfi: str
    batch_number: int
    entries: list[EntryRecord] = field(default_factory=list)
    control_line: int = 0
    entry_count: int = 0
    entry_hash: int = 0
    total_debit_cents: int = 0
    total_credit_cents: int = 0


@dataclass(frozen=True, slots=True)
class ReturnItem:
    """One returned entry, flattened for the returns import."""

    line: int  # the entry's line
    company_id: str
    sec_code: str
    effective_date: date | None
    transaction_code: int
    routing_number: str
    account_number: str
    amount: Decimal
    individual_id: str  # our account number
    individual_name: str
    addenda: ReturnAddenda


@dataclass(frozen=True, slots=True)
class ChangeItem:
    """One notification of change, flattened for the NOC import."""

    line: int
    company_id: str
    transaction_code: int
    routing_number: str
    account_number: str
    individual_id: str
    individual_name: str
    addenda: ChangeAddenda


@dataclass(slots=True)
class AchFile:
    immediate_destination: str
    immediate_origin: str
    created_at: datetime | None
    file_id_modifier: str
    immediate_destination_name: str
    immediate_origin_name: str
    reference_code: str
    batches: list[BatchRecord] = field(default_factory=list)
    line_count: int = 0
    block_count: int = 0
    entry_count: int = 0
    entry_hash: int = 0
    total_debit_cents: int = 0
    total_credit_cents: int = 0
    warnings: list[str] = field(default_factory=list)

    def returns(self) -> list[ReturnItem]:
        return [
            ReturnItem(
                line=e.line,
                company_id=b.company_id,
                sec_code=b.sec_code,
                effective_date=b.effective_date,
                transaction_code=e.transaction_code,
                routing_number=e.routing_number,
                account_number=e.account_number,
                amount=e.amount,
                individual_id=e.individual_id,
                individual_name=e.individual_name,
                addenda=e.return_addenda,
            )
            for b in self.batches
            for e in b.entries
            if e.return_addenda is not None
        ]

    def changes(self) -> list[ChangeItem]:
        return [
            ChangeItem(
                line=e.line,
                company_id=b.company_id,
                transaction_code=e.transaction_code,
                routing_number=e.routing_number,
                account_number=e.account_number,
                individual_id=e.individual_id,
                individual_name=e.individual_name,
                addenda=e.change_addenda,
            )
            for b in self.batches
            for e in b.entries
            if e.change_addenda is not None
        ]
