"""Batch jobs of the accounts app."""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register

from .models import Bill
from .services.bills import bills_complete
from .services.deposits import deposits_interest_post, interest_candidates


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


def _deposit_interest(sas: list, business_date: date) -> ChunkResult:
    result = deposits_interest_post(sas=sas, business_date=business_date)
    return ChunkResult(done=result.recorded, money=result.total)


register(
    BatchJob(
        name="deposit_interest",
        description="Credit simple interest for the month before the business date to each "
        "deposit held, at the DepositInterestRate in effect (once per deposit and month).",
        select=interest_candidates,
        process=_deposit_interest,
    )
)
