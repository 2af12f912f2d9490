"""Batch jobs of the accounts app."""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register
from cis.money import ZERO

from .models import Account, Bill, Refund
from .services.bills import bills_complete
from .services.deposits import (
    deposit_apply_final,
    deposits_interest_post,
    final_bill_candidates,
    interest_candidates,
)
from .services.refunds import check_outbox, refunds_checks_pay


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


def _final_bill_accounts(business_date: date):
    # Accounts are the work items, so the runner's locks come first in the published
    # order (Account -> SA -> Bill).
    bills = final_bill_candidates(business_date=business_date)
    return Account.objects.filter(pk__in=bills.values("account_id")).order_by("pk")


def _deposit_final_bills(accounts: list[Account], business_date: date) -> ChunkResult:
    bills = final_bill_candidates(business_date=business_date).filter(account__in=accounts)
    results = [deposit_apply_final(bill=bill) for bill in bills]
    return ChunkResult(done=len(accounts), money=sum((r.refund_due for r in results), ZERO))


register(
    BatchJob(
        name="deposit_final_bills",
        description="Apply the deposit held to each final bill (all non-deposit services "
        "stopped or closed) the bill_completed receiver left out; the rest is a refund due.",
        select=_final_bill_accounts,
        process=_deposit_final_bills,
    )
)


def _check_refunds_due(business_date: date):
    return Refund.objects.filter(status=Refund.Status.APPROVED, method=Refund.Method.CHECK)


def _checks_pay(refunds: list[Refund], business_date: date) -> ChunkResult:
    register_ = refunds_checks_pay(refund_ids=[r.pk for r in refunds], business_date=business_date)
    return ChunkResult(
        done=len(register_.refunds),
        skipped=len(refunds) - len(register_.refunds),
        lines=len(register_.refunds),
        money=register_.total,
    )


def _checks_report(run) -> list[str]:
    names = (
        Refund.objects.filter(paid_file__startswith=f"CHECKS_{run.business_date:%Y%m%d}_")
        .order_by("paid_file")
        .values_list("paid_file", flat=True)
        .distinct()
    )
    return [f"wrote {check_outbox() / name}" for name in names]


register(
    BatchJob(
        name="refund_check_register",
        description="Pay approved check refunds: write the check register CSV (check numbers "
        "in sequence, payee, address, amount, account) in OPENCIS_CHECK_OUTBOX and mark "
        "them Paid; a re-run pays nothing twice.",
        select=_check_refunds_due,
        process=_checks_pay,
        report=_checks_report,
    )
)
