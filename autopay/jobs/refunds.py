"""`autopay_refunds_ach`: approved ACH refunds go to the bank as a NACHA PPD credit file
(issue 13 item 2; README "Refunds"), written with the autopay NACHA writer into
OPENCIS_ACH_OUTBOX beside the draft files. Entries are credits (22 checking, 32 savings)
to the customer's bank account, in one batch of service class 220 of the default
originator, entry description REFUND, effective the next weekday.

Work items are the approved, unpaid ACH refunds; one file per chunk. Each refund written
is marked Paid in the same transaction (so a re-run pays nothing twice); the file is
written under a temporary name and renamed once that transaction commits. File id
modifiers count down from "9" (drafts take them from "A" up), so a refund file never
takes the name of a draft file of the same day.
"""

import os
from datetime import date, timedelta
from pathlib import Path

from django.db import transaction

from accounts.models import Refund
from accounts.services.refunds import refunds_mark_paid
from cis.batch import BatchJob, ChunkResult, register
from cis.models import BatchRun
from cis.money import ZERO, money_format

from ..nacha import AccountType, Batch, Entry, NachaFieldError, nacha_file_write
from ..nacha.fields import alpha, amount_cents, dfi_account, routing
from ..services.extract import (
    FILE_ID_MODIFIERS,
    _file_write_part,
    _part_path,
    _trace_sequence_next,
    ach_originator_default,
    ach_outbox,
    file_header,
)

REFUNDS_JOB = "autopay_refunds_ach"
ENTRY_DESCRIPTION = "REFUND"


def _effective(business_date: date) -> date:
    day = business_date + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _items(business_date: date):
    return Refund.objects.filter(status=Refund.Status.APPROVED, method=Refund.Method.ACH)


def _entry(refund: Refund) -> Entry:
    return Entry(
        routing_number=refund.routing_number,  # decrypted here, for the file only
        account_number=refund.bank_account_number,
        account_type=AccountType(refund.bank_account_type or AccountType.CHECKING),
        amount=refund.amount,
        individual_id=refund.account.number,
        individual_name=refund.payee_name or refund.account.number,
        is_credit=True,
    )


def _check(entry: Entry) -> None:
    """Each field as the writer will want it: one bad refund stays out of the file alone."""
    routing(entry.routing_number)
    dfi_account(entry.account_number)
    amount_cents(entry.amount)
    alpha(entry.individual_id, 15, "individual id (account number)", required=True)
    alpha(entry.individual_name, 22, "individual name", truncate=True, required=True)


def _modifier(business_date: date) -> str:
    used = set(
        Refund.objects.filter(
            paid_file__startswith=f"ACHREFUND_{business_date:%Y%m%d}_"
        ).values_list("paid_file", flat=True)
    )
    for modifier in reversed(FILE_ID_MODIFIERS):
        if not any(name.endswith(f"_{modifier}.ach") for name in used):
            return modifier
    raise NachaFieldError("file id modifier", f"no modifier left for {business_date}")


def _trace_start(odfi: str) -> int:
    last = (
        Refund.objects.filter(ach_trace_number__startswith=odfi)
        .order_by("-ach_trace_number")
        .values_list("ach_trace_number", flat=True)
        .first()
    )
    return max(_trace_sequence_next(odfi), int(last[8:]) + 1 if last else 1)


def refunds_ach_file_write(*, refunds: list[Refund], business_date: date) -> tuple[Path, object]:
    """Write the credit file of `refunds` (approved ACH refunds, locked by the caller) and
    mark them Paid. Returns the file's path and the writer's WrittenFile."""
    originator = ach_originator_default()
    modifier = _modifier(business_date)
    header = file_header(originator, modifier=modifier)
    odfi = header.originating_dfi
    batch = Batch(
        company_name=originator.company_name,
        company_id=originator.company_id,
        entry_description=ENTRY_DESCRIPTION,
        effective_date=_effective(business_date),
        entries=[_entry(r) for r in refunds],
    )
    written = nacha_file_write(
        header=header, batches=[batch], first_trace_sequence=_trace_start(odfi[:8])
    )
    name = f"ACHREFUND_{business_date:%Y%m%d}_{originator.code}_{modifier}.ach"
    path = ach_outbox() / name
    _file_write_part(path, written.text)
    traces = dict(zip((r.pk for r in refunds), written.batches[0].trace_numbers, strict=True))
    refunds_mark_paid(refunds=refunds, paid_on=business_date, file_name=name, traces=traces)
    transaction.on_commit(lambda: os.replace(_part_path(path), path))
    return path, written


def _process(items: list[Refund], business_date: date) -> ChunkResult:
    result = ChunkResult()
    refunds = [r for r in items if r.status == Refund.Status.APPROVED]
    kept = []
    for refund in refunds:
        try:
            _check(_entry(refund))
        except (NachaFieldError, ValueError) as error:
            result.skipped += 1
            result.line_errors += 1
            result.errors.append(f"refund {refund.pk} (account {refund.account.number}): {error}")
            continue
        kept.append(refund)
    if not kept:
        return result
    refunds_ach_file_write(refunds=kept, business_date=business_date)
    result.done += len(kept)
    result.lines += len(kept)
    result.money += sum((r.amount for r in kept), ZERO)
    return result


def refunds_report(run: BatchRun) -> list[str]:
    names = (
        Refund.objects.filter(paid_file__startswith=f"ACHREFUND_{run.business_date:%Y%m%d}_")
        .order_by("paid_file")
        .values_list("paid_file", flat=True)
        .distinct()
    )
    lines = []
    for name in names:
        paid = Refund.objects.filter(paid_file=name)
        total = sum((r.amount for r in paid), ZERO)
        lines.append(f"wrote {ach_outbox() / name} ({paid.count()} credits, {money_format(total)})")
    return lines


register(
    BatchJob(
        name=REFUNDS_JOB,
        description="Pay approved ACH refunds: one NACHA PPD credit file (22 / 32 entries) "
        "in OPENCIS_ACH_OUTBOX per run chunk; the refunds are marked Paid.",
        select=_items,
        process=_process,
        report=refunds_report,
    )
)
