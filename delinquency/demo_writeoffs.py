"""Demo write-offs (`seed_demo`; README "Write-offs"): two accounts that moved out owing a
final bill are written off and referred to collections (the dashboard's Bad Debt and
Collections icons, the Credit tab's Write-offs section, the Write-offs report); a later
cash payment on the second recovers part of it. Deterministic for a seed."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef

from accounts.models import Account, ServiceAgreement
from cis.demo import DemoContext, register_step
from cis.money import quantize

from .models import Arrangement, CreditAttributes, ShutoffEvaluation, WriteOff
from .services.writeoffs import payments_recover, writeoff_account

MOVED_OUT_BEFORE = timedelta(days=75)


def _candidates():
    sas = ServiceAgreement.objects.filter(account_id=OuterRef("pk"))
    return (
        Account.objects.filter(
            balance__gt=Decimal("20.00"), is_suspense=False, customer__is_public=True
        )
        .filter(service_status=Account.ServiceStatus.CONNECTED, is_bad_debt=False)
        .filter(in_collections=False, customer__is_bankrupt=False)
        .exclude(Exists(sas.filter(balance__lt=0)))
        .exclude(Exists(Arrangement.objects.filter(account_id=OuterRef("pk"))))
        .exclude(Exists(CreditAttributes.objects.filter(account_id=OuterRef("pk"))))
        .exclude(Exists(ShutoffEvaluation.objects.filter(account_id=OuterRef("pk"))))
        .order_by("number")
    )


@register_step(52, "write-offs: two final balances written off, one partly recovered")
def demo_writeoffs(ctx: DemoContext) -> None:
    if WriteOff.objects.exists():
        ctx.log("write-offs exist already: skipped")
        return
    picked = list(_candidates()[:2])
    if len(picked) < 2:
        ctx.log("write-offs: no account to write off")
        return
    ended = ctx.as_of - MOVED_OUT_BEFORE
    for account in picked:
        ServiceAgreement.objects.filter(account=account).update(
            status=ServiceAgreement.Status.STOPPED, end_date=ended
        )
        Account.objects.filter(pk=account.pk).update(
            activity_status=Account.ActivityStatus.FINAL, closed_on=ended
        )
        writeoff_account(
            account=account,
            user=None,
            reason="Moved out; final bill unpaid, no forwarding address",
            refer_to_collections=True,
            on=ctx.as_of - timedelta(days=14),
            check_permission=False,
        )
    recovered = picked[1]
    amount = quantize(WriteOff.objects.get(account=recovered).amount * Decimal("0.4"))
    payment = _cash_payment(ctx, recovered, amount)
    payments_recover(payment_ids=[payment.pk], account_ids=[recovered.pk])  # idempotent
    ctx.log(
        f"write-offs: {picked[0].number} written off, {recovered.number} written off and "
        f"{amount} recovered by a payment"
    )


def _cash_payment(ctx: DemoContext, account: Account, amount: Decimal):
    from payments.models import TenderSource, TenderType
    from payments.services.events import (
        DistributionMode,
        PaymentIn,
        TenderIn,
        payment_event_create,
    )

    event = payment_event_create(
        tender_source=TenderSource.objects.get(code="CASHIER"),
        payment_date=ctx.as_of,
        tenders=[TenderIn(tender_type=TenderType.objects.get(code="CASH"), amount=amount)],
        payments=[PaymentIn(account=account, amount=amount, accounting_date=ctx.as_of)],
        mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
        comments="Paid after the write-off (demo).",
    )
    return event.payments.get()
