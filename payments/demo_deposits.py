"""Demo deposits (issue 13 item 3), imported by payments/demo.py: the deposits need real
payments, so the step lives above accounts in the import direction. Three accounts, the
same for a seed: one holding a paid deposit credited with a year of interest, one with a
deposit billed and not yet paid, and one closed account whose deposit paid its final bill
and left a refund due."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.demo import showcase_accounts
from accounts.models import Account, DepositInterestRate, Refund, ServiceAgreement, ToDoEntry
from accounts.selectors import deposits_summary
from accounts.services.bills import bill_complete, bill_create
from accounts.services.deposits import (
    deposit_apply_final,
    deposit_bill,
    deposit_sa_for,
    deposits_interest_post,
)
from cis.demo import DemoContext, register_step

from .models import TenderSource, TenderType
from .services.events import PaymentIn, TenderIn, payment_event_create

RATE = Decimal("2.500")


def _months_back(day: date, months: int) -> date:
    n = day.year * 12 + day.month - 1 - months
    return date(n // 12, n % 12 + 1, 1)


def _pay_deposit(account: Account, amount: Decimal, day: date) -> None:
    sa = deposit_sa_for(account)
    payment_event_create(
        tender_source=TenderSource.objects.get(code="CASHIER"),
        payment_date=day,
        tenders=[TenderIn(tender_type=TenderType.objects.get(code="CASH"), amount=amount)],
        payments=[PaymentIn(account=account, amount=amount, sa_amounts={sa: amount})],
    )


def _interest(account: Account, first: date, months: int) -> None:
    sa = deposit_sa_for(account)
    for n in range(months):
        month = _months_back(first, -n)
        deposits_interest_post(sas=[sa], business_date=month)


def demo_picks(ctx: DemoContext) -> list[str]:
    """Three demo accounts with water service, none of the panel showcase ones; the one
    to close (the last) owes little, so its deposit leaves a refund."""
    taken = set(showcase_accounts(ctx).values())
    numbers = sorted(
        n
        for n in Account.objects.filter(
            is_suspense=False,
            agreements__sa_type__code="WATER",
            agreements__status=ServiceAgreement.Status.ACTIVE,
        )
        .distinct()
        .values_list("number", flat=True)
        if n.isdigit() and n not in taken
    )
    random.Random(ctx.seed * 7919 + 3).shuffle(numbers)
    balances = dict(Account.objects.filter(number__in=numbers).values_list("number", "balance"))
    closing = [n for n in numbers if balances[n] <= Decimal("20.00")][:1]
    return [n for n in numbers if n not in closing][:2] + closing


@register_step(50, "deposits: held with interest, billed, applied to a final bill")
def demo_deposits(ctx: DemoContext) -> None:
    if DepositInterestRate.objects.exists():
        ctx.log("deposits exist already: skipped")
        return
    picks = demo_picks(ctx)
    if len(picks) < 3:
        return
    today = ctx.as_of
    with transaction.atomic():
        DepositInterestRate.objects.create(
            effective_on=today - timedelta(days=3 * 365),
            annual_rate=RATE,
            description="Demo: 2.5% simple interest",
        )
        held, billed, closed = (Account.objects.get(number=n) for n in picks)
        # held: $150 paid 13 months ago, interest booked for the last twelve months
        start = _months_back(today, 13)
        deposit_bill(account=held, amount=Decimal("150.00"), billed_on=start)
        _pay_deposit(held, Decimal("150.00"), start + timedelta(days=5))
        _interest(held, _months_back(today, 11), 12)
        # billed, not yet paid
        deposit_bill(
            account=billed,
            amount=Decimal("100.00"),
            billed_on=today - timedelta(days=10),
            due_date=today + timedelta(days=11),
        )
        # closed: $200 paid 8 months ago, six months' interest, service stopped, final bill
        start = _months_back(today, 8)
        deposit_bill(account=closed, amount=Decimal("200.00"), billed_on=start)
        _pay_deposit(closed, Decimal("200.00"), start + timedelta(days=3))
        _interest(closed, _months_back(today, 6), 6)
        stop = today - timedelta(days=5)
        services = closed.agreements.exclude(sa_type__is_deposit=True)
        services.update(status=ServiceAgreement.Status.STOPPED, end_date=stop)
        Account.objects.filter(pk=closed.pk).update(
            activity_status=Account.ActivityStatus.FINAL, closed_on=stop
        )
        bill = bill_create(
            account=closed,
            bill_date=stop,
            due_date=stop + timedelta(days=21),
            segments={sa: Decimal("18.75") for sa in services},
        )
    # Completion announces the bill after commit: the deposit is applied then (the call
    # below finds it done, or does it when the receiver did not run).
    bill_complete(bill=bill)
    deposit_apply_final(bill=bill)
    # The rest is a check refund awaiting a supervisor (REFUNDAPPR); demo times from the
    # as-of date, so a re-run of the demo gives the same rows.
    asked = datetime.combine(
        stop + timedelta(days=1), time(10, 5), tzinfo=timezone.get_current_timezone()
    )
    for refund in Refund.objects.filter(account=closed, source=Refund.Source.DEPOSIT):
        Refund.objects.filter(pk=refund.pk).update(requested_at=asked)
        ToDoEntry.objects.filter(pk=refund.todo_id).update(created_at=asked)
    refund_due = deposits_summary(account_ids=[closed.pk])[closed.pk].refund_due
    ctx.log(
        f"  deposits: {held.number} held with interest, {billed.number} billed, "
        f"{closed.number} applied to its final bill (refund due {refund_due})"
    )
