"""Processor nightly payment files (`processor-csv`): a Paymentus-style CSV of the card and
eCheck payments the processor took, one per line, with its transaction id.

Columns (header names, any order; Paymentus' own names accepted): `transaction_id`
(`confirmation_number`), `account` (`account_number`), `amount` (`payment_amount`),
`date` (`payment_date`), `method` (`payment_method`: VISA, MC, AMEX, DISCOVER, CARD,
DEBIT -> card; ECHECK, ACH, CHECKING, SAVINGS -> ACH); optional `settlement_date` (the
accounting date), `payer_name` (`customer_name`), and a `TOTAL,<amount>,<count>` trailer.

The transaction id is the event's external id for the tender source: a line whose id was
already posted in real time (the processor's webhook) is staged as already posted and
never posted again (the intake marks it; the parser only reads).
"""

from .csv_file import card_checked, cell, columns_of, one_deposit_file, rows_of
from .parsed import (
    LineError,
    ParsedFile,
    ParsedPayment,
    date_any,
    decode,
    money,
    safe_raw,
)

REQUIRED = ("transaction_id", "account", "amount", "date", "method")
OPTIONAL = ("settlement_date", "payer_name")
ALIASES = {
    "confirmation_number": "transaction_id",
    "transaction": "transaction_id",
    "account_number": "account",
    "payment_amount": "amount",
    "payment_date": "date",
    "payment_method": "method",
    "customer_name": "payer_name",
}
METHODS = {
    **dict.fromkeys(("VISA", "MC", "MASTERCARD", "AMEX", "DISCOVER", "CARD", "DEBIT"), "CARD"),
    **dict.fromkeys(("ECHECK", "ACH", "CHECKING", "SAVINGS", "BANK"), "ACH"),
}


def parse(data: bytes) -> ParsedFile:
    physical = decode(data).splitlines()
    rows = rows_of(physical)
    header_number, header = rows[0]
    columns = columns_of(header, header_number, REQUIRED, OPTIONAL, ALIASES)
    return one_deposit_file(
        physical,
        rows,
        columns,
        _payment,
        what="processor file",
        reference="processor file",
    )


def _payment(number: int, raw: str, cells: list[str], columns: dict[str, int]) -> ParsedPayment:
    def get(name: str) -> str:
        return cell(cells, columns, name)

    payment = ParsedPayment(
        line_number=number,
        raw_line=safe_raw(raw),
        account_reference=get("account")[:80],
        amount_text=get("amount")[:40],
        payer_name=get("payer_name")[:120],
        external_id=get("transaction_id")[:80],
    )
    try:
        if len(cells) <= max(columns.values()):
            raise LineError("bad_line", f"the line has {len(cells)} cells, fewer than the header")
        if not payment.external_id:
            raise LineError("no_transaction_id", "no transaction id")
        if not payment.account_reference:
            raise LineError("no_account", "no account number")
        method = get("method").upper().replace("-", "").replace(" ", "")
        if method not in METHODS:
            raise LineError("bad_method", f"payment method {get('method')!r} is not card or eCheck")
        payment.tender_type = METHODS[method]
        payment.amount = money(payment.amount_text)
        payment.payment_date = date_any(get("date"))
        settled = get("settlement_date")
        payment.accounting_date = date_any(settled) if settled else payment.payment_date
    except LineError as exc:
        payment.error_reason, payment.error = exc.reason, str(exc)
    return card_checked(payment, raw)
