"""Autopay batch jobs: the ACH extract and its balance controls (seed 001 steps 5.7-6.1;
registered on import by autopay/batch.py).

`autopay_extract_ach` work items: card clearings one by one, and for drafts the first
clearing of each effective date, which stands for its whole file (see
autopay/services/extract.py). `autopay_balance_controls` work items: extracts without a
tender control.
"""

from datetime import date

from django.db.models import Q

from cis.batch import BatchJob, ChunkResult, register
from cis.models import BatchRun
from cis.money import ZERO, money_format

from ..models import AchExtract, Clearing, Enrollment
from ..services.charges import card_clearings_charge, cards_due
from ..services.controls import ach_extract_controls_create
from ..services.extract import ach_file_extract, draft_file_leaders

EXTRACT_JOB = "autopay_extract_ach"
CONTROLS_JOB = "autopay_balance_controls"


def _run(job: str, business_date: date) -> BatchRun | None:
    return BatchRun.objects.filter(job=job, business_date=business_date).first()


def _extract_items(business_date: date):
    leaders = draft_file_leaders(business_date).values("pk")
    return Clearing.objects.filter(
        Q(pk__in=cards_due(business_date).values("pk")) | Q(pk__in=leaders)
    )


def _extract(items: list[Clearing], business_date: date) -> ChunkResult:
    result = ChunkResult()
    run = _run(EXTRACT_JOB, business_date)
    cards = [c for c in items if c.kind == Enrollment.Kind.CARD]
    for leader in (c for c in items if c.kind == Enrollment.Kind.DRAFT):
        outcome = ach_file_extract(
            business_date=business_date, effective_on=leader.gl_distribution_on, batch_run=run
        )
        result.errors += outcome.refused
        result.line_errors += len(outcome.refused)
        if outcome.extract is None:
            result.skipped += 1
            continue
        result.done += 1
        result.lines += outcome.extract.entry_count
        result.money += outcome.extract.total
    approved, declined = card_clearings_charge(
        clearings=cards, business_date=business_date, batch_run=run
    )
    result.done += len(approved) + len(declined)
    result.lines += len(approved)
    result.money += sum((c.amount for c in approved), ZERO)
    result.line_errors += len(declined)
    result.errors += [
        f"autopay {c.pk} (account {c.account.number}): card {c.charge_reference}" for c in declined
    ]
    return result


def extract_report(run: BatchRun) -> list[str]:
    """What `runbatch` prints: the files the run wrote and the card charges it made."""
    lines = []
    for extract in AchExtract.objects.filter(batch_run=run).order_by("pk"):
        figures = f"{extract.entry_count} entries, {money_format(extract.total)}"
        if extract.kind == Enrollment.Kind.DRAFT:
            lines.append(f"wrote {extract.file_path} ({figures})")
        else:
            lines.append(f"charged cards effective {extract.effective_on} ({figures})")
    return lines


register(
    BatchJob(
        name=EXTRACT_JOB,
        description="Send activated autopays due by the business date to the bank: one "
        "NACHA PPD debit file per originator and effective date in OPENCIS_ACH_OUTBOX "
        "(drafts), charges through the card processor (cards; declines cancel the payment "
        "and raise a To Do).",
        select=_extract_items,
        process=_extract,
        report=extract_report,
    )
)


def _extracts_unbalanced(business_date: date):
    return AchExtract.objects.filter(tender_control__isnull=True, business_date__lte=business_date)


def _balance(extracts: list[AchExtract], business_date: date) -> ChunkResult:
    result = ChunkResult()
    for extract in extracts:
        outcome = ach_extract_controls_create(extract=extract)
        result.lines += outcome.tender.count
        result.money += outcome.tender.total
        if outcome.balanced:
            result.done += 1
        else:
            result.skipped += 1
            result.line_errors += 1
            result.errors.append(f"extract {extract.pk}: controls not balanced: {outcome.detail}")
    return result


def controls_report(run: BatchRun) -> list[str]:
    extracts = AchExtract.objects.filter(
        business_date=run.business_date, tender_control__isnull=False
    ).select_related("tender_control")
    return [
        f"extract {e.pk}: tender control {e.tender_control_id} {e.tender_control.status} "
        f"({e.tender_control.expected_count} tenders, "
        f"{money_format(e.tender_control.expected_total)})"
        for e in extracts.order_by("pk")
    ]


register(
    BatchJob(
        name=CONTROLS_JOB,
        description="Give every autopay extract (ACH file or card charges) its deposit "
        "control and AUTOPAY tender control, expecting the extract's count and total, put "
        "its tenders in it and balance both.",
        select=_extracts_unbalanced,
        process=_balance,
        report=controls_report,
    )
)
