"""BAI2 bank files (`bai2`), read with the `bai2` package.

One deposit per file; one tender group per account record (03 ... 49) that holds credit
details; one payment per credit detail (16 with a credit type code), whose customer
reference (or, failing that, a word of its text) holds our account number. Amounts are
whole cents. The file's own controls are checked at every level: account trailer (49)
against its summaries and details, group trailer (98) against its accounts, file trailer
(99) against its groups; a mismatch rejects the file with both figures. Record counts the
bank got wrong (common in real files) are reported as a warning, not a rejection.
"""

import datetime as dt
from decimal import Decimal

from bai2 import bai2
from bai2.constants import TypeCodeTransaction
from bai2.exceptions import IntegrityException

from .parsed import (
    FileRejected,
    LineError,
    ParsedDeposit,
    ParsedFile,
    ParsedPayment,
    ParsedTender,
    cents,
    decode,
    lines_total,
    safe_raw,
)

RECORD_CODES = {"01", "02", "03", "16", "49", "88", "98", "99"}


def parse(data: bytes) -> ParsedFile:
    text = decode(data)
    physical = text.splitlines()
    details = _detail_lines(physical)
    warnings: list[str] = []
    content = "\n".join(physical)
    try:
        try:
            parsed = bai2.parse_from_string(content, check_integrity=True)
        except IntegrityException as exc:
            # The money is checked below, level by level; what the package found may be
            # only a record count the bank got wrong.
            warnings.append(f"read with the bai2 package's integrity checks off: {exc}")
            parsed = bai2.parse_from_string(content, check_integrity=False)
    except FileRejected:
        raise
    except Exception as exc:  # the package raises ValueError, ParsingException and more
        raise FileRejected(f"unreadable BAI2 file: {exc}") from exc
    _check_totals(parsed)
    deposit = ParsedDeposit(deposit_date=_deposit_date(parsed))
    index = 0
    for group in parsed.children:
        day = group.header.as_of_date or parsed.header.creation_date
        for account in group.children:
            number = account.header.customer_account_number
            tender = ParsedTender(reference=f"BAI2 account {number}")
            for detail in account.children:
                line_number, raw = details[index]
                index += 1
                if detail.type_code.transaction != TypeCodeTransaction.credit:
                    continue  # debits and memo items are not customer payments
                tender.payments.append(_payment(line_number, raw, detail, day))
            if tender.payments:
                tender.expected_count = len(tender.payments)
                # An unreadable amount: the upload job holds the group until it is fixed.
                readable = all(p.amount is not None for p in tender.payments)
                tender.expected_total = lines_total(tender.payments) if readable else None
                deposit.tenders.append(tender)
    if not deposit.tenders:
        raise FileRejected("the BAI2 file holds no credit details (payments): nothing to stage")
    return ParsedFile(deposits=[deposit], line_count=len(physical), warnings=warnings)


def _detail_lines(physical: list[str]) -> list[tuple[int, str]]:
    """Line number and text (with its 88 continuations) of every 16 record, in order.
    A line the package could not read is named here, since the package does not."""
    details: list[tuple[int, str]] = []
    last_code = ""
    for number, line in enumerate(physical, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        code = stripped[:2]
        if code not in RECORD_CODES:
            raise FileRejected(f"line {number}: {code!r} is not a BAI2 record code")
        if code == "16":
            fields = stripped.split(",")
            amount = fields[2] if len(fields) > 2 else ""
            if amount and not amount.lstrip("+-").isdigit():
                raise FileRejected(
                    f"line {number}: amount {amount!r} is not a whole number of cents"
                )
            details.append((number, stripped))
        elif code == "88" and last_code == "16":
            details[-1] = (details[-1][0], details[-1][1] + "\n" + stripped)
        if code != "88":
            last_code = code
    return details


def _payment(line_number: int, raw: str, detail, day: dt.date | None) -> ParsedPayment:
    reference = (detail.customer_reference or "").strip()
    words = tuple(w.strip(" ,/") for w in (detail.text or "").split() if w.strip(" ,/"))
    payment = ParsedPayment(
        line_number=line_number,
        raw_line=safe_raw(raw),
        account_reference=(reference or (detail.text or "").strip())[:80],
        account_candidates=((reference,) if reference else ()) + words,
        amount_text=str(detail.amount),
        payment_date=day,
        accounting_date=day,
        external_id=(detail.bank_reference or "").strip()[:80],
        tender_type="CHECK",
    )
    try:
        payment.amount = cents(str(detail.amount))
    except LineError as exc:
        payment.error_reason, payment.error = exc.reason, str(exc)
    return payment


def _check_totals(parsed) -> None:
    groups_sum = 0
    for group in parsed.children:
        accounts_sum = 0
        for account in group.children:
            found = sum(s.amount or 0 for s in account.header.summary_items) + sum(
                d.amount or 0 for d in account.children
            )
            declared = account.trailer.account_control_total
            if declared is not None and declared != found:
                raise FileRejected(
                    f"account {account.header.customer_account_number}: the account trailer "
                    f"says {_show(declared)} but its summaries and details add up to "
                    f"{_show(found)}"
                )
            accounts_sum += declared if declared is not None else found
        declared = group.trailer.group_control_total
        if declared is not None and declared != accounts_sum:
            raise FileRejected(
                f"group {group.header.originator_id}: the group trailer says {_show(declared)} "
                f"but its accounts add up to {_show(accounts_sum)}"
            )
        groups_sum += declared if declared is not None else accounts_sum
    declared = parsed.trailer.file_control_total
    if declared is not None and declared != groups_sum:
        raise FileRejected(
            f"the file trailer says {_show(declared)} but its groups add up to {_show(groups_sum)}"
        )


def _show(cents_total: int) -> str:
    sign = "-" if cents_total < 0 else ""
    return f"{sign}${Decimal(abs(cents_total)) / 100:,.2f}"


def _deposit_date(parsed) -> dt.date:
    for group in parsed.children:
        if group.header.as_of_date:
            return group.header.as_of_date
    return parsed.header.creation_date or dt.date.today()
