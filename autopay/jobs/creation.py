"""Autopay batch jobs: creation (registered on import by autopay/batch.py).

autopay_bill_sweep         completed bills of enrolled accounts nobody evaluated (a crash
                           between the bills' commit and the receiver): evaluated now
autopay_create             pending clearings due for extract: amount fixed, created (2.9)
autopay_distribute_freeze  created clearings due: payments posted in bulk, frozen (3.0)
autopay_activate           frozen clearings due: marked for download (5.5-5.6)

Each `select` stops returning a record once its job moved it on, so a re-run does nothing
twice; the framework locks a chunk's rows with SKIP LOCKED.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Bill
from cis.batch import BatchJob, ChunkResult, register
from cis.money import ZERO

from ..models import BillAutopayCheck, Clearing, Enrollment
from ..services.creation import bills_autopay_evaluate, clearings_create_due
from ..services.posting import clearings_post
from ..services.states import clearings_move

Status = Clearing.Status
SWEEP_MAX_BILL_AGE_DAYS = 60


def sweep_days() -> int:
    return getattr(settings, "OPENCIS_AUTOPAY_SWEEP_DAYS", 7)


def _unevaluated_bills(business_date: dt.date):
    since = timezone.make_aware(
        dt.datetime.combine(business_date - dt.timedelta(days=sweep_days()), dt.time.min)
    )
    running = Enrollment.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gte=OuterRef("bill_date")),
        Q(stopped_on__isnull=True) | Q(stopped_on__gt=OuterRef("bill_date")),
        account_id=OuterRef("account_id"),
        start_on__lte=OuterRef("bill_date"),
    )
    return Bill.objects.filter(
        Exists(running),
        ~Exists(BillAutopayCheck.objects.filter(bill_id=OuterRef("pk"))),
        ~Exists(Clearing.objects.filter(bill_id=OuterRef("pk"))),
        status=Bill.Status.COMPLETE,
        completed_at__gte=since,
        # Bounds the scan to the (status, bill_date) index: a bill dated further back is
        # no longer drafted by the sweep.
        bill_date__gte=business_date - dt.timedelta(days=SWEEP_MAX_BILL_AGE_DAYS),
        bill_date__lte=business_date,
    )


def _sweep(bills: list[Bill], business_date: dt.date) -> ChunkResult:
    result = bills_autopay_evaluate(bill_ids=[b.pk for b in bills], today=business_date)
    return ChunkResult(
        done=len(result.clearing_ids),
        skipped=len(bills) - len(result.clearing_ids),
        lines=len(result.clearing_ids),
    )


def _pending_due(business_date: dt.date):
    return Clearing.objects.filter(status=Status.PENDING, extract_on__lte=business_date)


def _create(clearings: list[Clearing], business_date: dt.date) -> ChunkResult:
    result = clearings_create_due(clearings=clearings, business_date=business_date)
    return ChunkResult(
        done=len(result.created),
        skipped=len(result.cancelled),
        lines=len(result.created),
        money=result.money,
    )


def _created_due(business_date: dt.date):
    # A clearing holding a payment in Error waits for a CSR (To Do), not for a re-run.
    return Clearing.objects.filter(
        status=Status.CREATED, extract_on__lte=business_date, payment__isnull=True
    )


def _distribute_freeze(clearings: list[Clearing], business_date: dt.date) -> ChunkResult:
    result = clearings_post(clearings=clearings)
    problems = {**result.failed, **result.refused}
    return ChunkResult(
        done=len(result.frozen),
        errored=len(result.failed),
        skipped=len(result.refused),
        errors=[f"autopay {pk}: {message}" for pk, message in sorted(problems.items())],
        lines=len(result.frozen),
        money=result.money,
        line_errors=len(problems),
    )


def _frozen_due(business_date: dt.date):
    return Clearing.objects.filter(status=Status.FROZEN, extract_on__lte=business_date)


def _activate(clearings: list[Clearing], business_date: dt.date) -> ChunkResult:
    clearings_move(
        ids=[c.pk for c in clearings],
        sources=[Status.FROZEN],
        target=Status.ACTIVATED,
        transition="activate",
    )
    return ChunkResult(
        done=len(clearings), lines=len(clearings), money=sum((c.amount for c in clearings), ZERO)
    )


register(
    BatchJob(
        name="autopay_bill_sweep",
        description="Evaluate for autopay the completed bills of enrolled accounts that no "
        "bill-completion delivery evaluated (completed within OPENCIS_AUTOPAY_SWEEP_DAYS).",
        select=_unevaluated_bills,
        process=_sweep,
    )
)
register(
    BatchJob(
        name="autopay_create",
        description="Create the pending autopay payments due for extract: the amount is "
        "fixed on the day (balance / maximum options: what is owed then).",
        select=_pending_due,
        process=_create,
    )
)
register(
    BatchJob(
        name="autopay_distribute_freeze",
        description="Distribute and freeze the created autopay payments due for extract, "
        "through the bulk payment path.",
        select=_created_due,
        process=_distribute_freeze,
    )
)
register(
    BatchJob(
        name="autopay_activate",
        description="Activate the frozen autopay payments whose extract date has come: "
        "they go to the bank in the extract.",
        select=_frozen_due,
        process=_activate,
    )
)
