"""Builders for the shut-off tests: a past-due account noticed long enough ago."""

import datetime as dt

from accounts.models import SpecialCondition, SpecialConditionType
from delinquency.models import LateNotice
from payments.tests.factories import account_with, bill

# Monday 2026-06-01; the bill was due 2026-03-22 (71 days), the notice went out on Friday
# 2026-05-01 (21 business days before).
AS_OF = dt.date(2026, 6, 1)
BILLED_ON = dt.date(2026, 3, 1)
NOTICE_ON = dt.date(2026, 5, 1)


def ref_load():
    from delinquency.reference import reference_data_load as delinquency_load
    from payments.reference import reference_data_load as payments_load
    from serviceorders.reference import reference_data_load as so_load

    payments_load()
    so_load()
    delinquency_load()


def notice(account, on=NOTICE_ON, past_due="120.00"):
    return LateNotice.objects.create(
        account=account,
        notice_date=on,
        past_due=past_due,
        pay_by=on + dt.timedelta(days=10),
        delivery=LateNotice.Delivery.PRINT,
    )


def candidate(amount=120, *, noticed=True, **account_fields):
    """An account owing `amount` past due since 2026-03-22, with a late notice."""
    account, (water,) = account_with("WATER", **account_fields)
    b = bill(account, {water: amount}, bill_date=BILLED_ON)
    if noticed:
        notice(account)
    account.refresh_from_db()
    account.test_bill = b
    return account


def life_support(account, level="account", **fields):
    target = {
        "account": {"account": account},
        "customer": {"customer": account.customer},
        "location": {"location": account.location},
    }[level]
    return SpecialCondition.objects.create(
        level=level,
        condition_type=SpecialConditionType.objects.get(code="LIFESUPPORT"),
        effective_on=fields.pop("effective_on", dt.date(2026, 1, 1)),
        **target,
        **fields,
    )
