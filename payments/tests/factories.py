"""Builders for payment tests, on top of the accounts factories and the reference data."""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from accounts.models import SAType, ServiceAgreement
from accounts.services.bills import bill_complete, bill_create
from accounts.tests.factories import AccountFactory
from payments.models import PaymentCancelReason, TenderSource, TenderType
from payments.services.events import DistributionMode, PaymentIn, TenderIn, payment_event_create

D = Decimal


def sa_add(account, code: str, **extra) -> ServiceAgreement:
    """An SA of a reference SA type (WATER, SEWER, ELEC, TRASH, DEPOSIT, EXCESS...)."""
    return ServiceAgreement.objects.create(
        account=account,
        sa_type=SAType.objects.get(code=code),
        start_date=dt.date(2020, 1, 1),
        **extra,
    )


def account_with(*codes: str, **account_fields):
    account = AccountFactory(**account_fields)
    return account, [sa_add(account, code) for code in codes]


def bill(account, amounts: dict, *, bill_date=dt.date(2026, 1, 1), due_days: int = 21):
    """Complete a bill of `amounts` {SA: amount} on `bill_date`."""
    b = bill_create(
        account=account,
        bill_date=bill_date,
        due_date=bill_date + dt.timedelta(days=due_days),
        segments={sa: D(str(a)) for sa, a in amounts.items()},
    )
    return bill_complete(bill=b)


def tender_type(code: str = "CASH") -> TenderType:
    return TenderType.objects.get(code=code)


def source(code: str = "CASHIER") -> TenderSource:
    return TenderSource.objects.get(code=code)


def reason(code: str) -> PaymentCancelReason:
    return PaymentCancelReason.objects.get(code=code)


def pay(
    account,
    amount,
    *,
    tender: str = "CASH",
    day=dt.date(2026, 1, 15),
    mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
    payor=None,
    user=None,
    **payment_fields,
):
    """One event, one tender, one payment to `account`; returns the payment."""
    event = payment_event_create(
        tender_source=source(),
        payment_date=day,
        tenders=[
            TenderIn(tender_type=tender_type(tender), amount=D(str(amount)), payor_account=payor)
        ],
        payments=[PaymentIn(account=account, amount=D(str(amount)), **payment_fields)],
        mode=mode,
        user=user,
    )
    return event.payments.get()


@contextmanager
def captured(signal):
    """Collect the keyword arguments of every send of `signal` while inside."""
    received = []

    def receiver(sender, **kwargs):
        kwargs.pop("signal", None)
        received.append(kwargs)

    signal.connect(receiver, weak=False)
    try:
        yield received
    finally:
        signal.disconnect(receiver)
