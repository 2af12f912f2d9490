"""Non-CIS payments and check cashing (seed 003 step 1.3 and the Cash Check section)."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts.models import (
    Account,
    BillCycle,
    Customer,
    Location,
    RevenueClass,
    SAType,
    ServiceAgreement,
)
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
from ..reference import NON_CIS_ACCOUNT, NON_CIS_SA_TYPE
from .cancel import nsf_fee_sa
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
    return payment_event_create(
        tender_source=tender_source,
        tenders=tenders,
        payments=[
            PaymentIn(
                account=non_cis_account(),
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


def non_cis_account() -> Account:
    """The system account non-CIS payments post to (seed 003 step 1.3: Non CIS Account and
    Non CIS Service Agreement), made on first use; each FT credits its payment's
    distribution code GL, not this SA type's."""
    account = Account.objects.filter(number=NON_CIS_ACCOUNT).first()
    if account:
        return account
    sa_type = SAType.objects.filter(code=NON_CIS_SA_TYPE).first()
    if sa_type is None:
        raise PaymentError("the non-CIS SA type is not set up (load the payment reference data)")
    customer, _ = Customer.objects.get_or_create(
        number=NON_CIS_ACCOUNT,
        defaults={"customer_type": Customer.Type.GOVERNMENT, "business_name": "Non-CIS payments"},
    )
    location, _ = Location.objects.get_or_create(
        number=NON_CIS_ACCOUNT,
        defaults={
            "line1": "Utility office",
            "city": "-",
            "state": "--",
            "postal_code": "-",
            "revenue_class": RevenueClass.objects.filter(code="GOV").first()
            or RevenueClass.objects.order_by("code").first(),
            "cycle": BillCycle.objects.order_by("code").first(),
        },
    )
    opened = date(2000, 1, 1)
    account = Account.objects.create(
        number=NON_CIS_ACCOUNT, customer=customer, location=location, opened_on=opened
    )
    ServiceAgreement.objects.create(account=account, sa_type=sa_type, start_date=opened)
    return account


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
    negative cash tender of the same amount; there is no payment and nothing is posted.

    Cash Check step 1.1 (eligibility): a check is cashed only for a payor account that
    can be charged the cash back if the check is returned (`tender_cancel` books it), so a
    returned cashed check is never a silent loss: no payor, no cashing."""
    if check_type.category != TenderCategory.CHECK:
        raise PaymentError(f"{check_type.code} is not a check tender type")
    if amount <= 0:
        raise PaymentError("a cashed check's amount must be positive")
    if payor_account is None:
        raise PaymentError(
            "a check is cashed for a payor account, which owes the cash back if the check "
            "is returned"
        )
    if not (check_type.nsf_allowed and check_type.cashed_check_adjustment_type_id):
        raise PaymentError(
            f"{check_type.description} checks are not cashed: the tender type has no "
            "returned-cashed-check charge configured"
        )
    if nsf_fee_sa(account_id=payor_account.pk) is None:
        raise PaymentError(
            f"account {payor_account.number} has no active service agreement to charge a "
            "returned check to"
        )
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
