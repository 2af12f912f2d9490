"""Non-CIS payments and check cashing (seed 003 step 1.3 and the Cash Check section)."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts.models import Account
from cis.money import ZERO

from ..exceptions import PaymentError
from ..models import (
    DistributionCode,
    PaymentEvent,
    TenderCategory,
    TenderControl,
    TenderSource,
    TenderType,
)
from ..reference import NON_CIS_ACCOUNT
from .events import DistributionMode, PaymentIn, TenderIn, payment_event_create


@transaction.atomic
def non_cis_payment_create(
    *,
    tender_source: TenderSource,
    tenders: Sequence[TenderIn],
    payer_name: str,
    distribution_code: DistributionCode,
    comments: str = "",
    payment_date: date | None = None,
    user=None,
) -> PaymentEvent:
    """Money for something no customer account is billed for: it names the payer and is
    credited to the distribution code's GL through the non-CIS account (C1-NCPAY-FT)."""
    if not payer_name.strip():
        raise PaymentError("a non-CIS payment names who paid")
    try:
        account = Account.objects.get(number=NON_CIS_ACCOUNT)
    except Account.DoesNotExist:
        raise PaymentError("the non-CIS account is not set up (load the payment reference data)")
    return payment_event_create(
        tender_source=tender_source,
        tenders=tenders,
        payments=[
            PaymentIn(
                account=account,
                amount=sum((t.amount for t in tenders), ZERO),
                payer_name=payer_name.strip(),
                distribution_code=distribution_code,
                comments=comments,
            )
        ],
        mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
        payment_date=payment_date,
        user=user,
        comments=comments,
    )


@transaction.atomic
def check_cash(
    *,
    tender_source: TenderSource,
    check_type: TenderType,
    amount: Decimal,
    payor_account: Account | None = None,
    check_number: str = "",
    tender_control: TenderControl | None = None,
    comments: str = "",
    user=None,
) -> PaymentEvent:
    """Cash Check steps 1.2-1.7: the check is kept as a tender and the cash handed back as a
    negative cash tender of the same amount; there is no payment and nothing is posted."""
    if check_type.category != TenderCategory.CHECK:
        raise PaymentError(f"{check_type.code} is not a check tender type")
    if amount <= 0:
        raise PaymentError("a cashed check's amount must be positive")
    cash = TenderType.objects.filter(category=TenderCategory.CASH, is_active=True).first()
    if cash is None:
        raise PaymentError("no active cash tender type is configured")
    return payment_event_create(
        tender_source=tender_source,
        tenders=[
            TenderIn(
                tender_type=check_type,
                amount=amount,
                payor_account=payor_account,
                tender_control=tender_control,
                check_number=check_number,
            ),
            TenderIn(tender_type=cash, amount=-amount, tender_control=tender_control),
        ],
        payments=[],
        is_check_cashing=True,
        user=user,
        comments=comments,
    )
