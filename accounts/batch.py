"""Batch jobs of the accounts app."""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register

from .models import Bill
from .services.bills import bills_complete


def _pending_bills(business_date: date):
    return Bill.objects.filter(status=Bill.Status.PENDING, bill_date__lte=business_date)


def _complete(bills: list[Bill], business_date: date) -> ChunkResult:
    return ChunkResult(done=bills_complete(bill_ids=[b.pk for b in bills]))


register(
    BatchJob(
        name="complete_bills",
        description="Complete pending bills dated on or before the business date: post their "
        "charge FTs and announce them (autopay creates its payments from them).",
        select=_pending_bills,
        process=_complete,
    )
)
