"""Builders for the arrangement tests (issue 12 item 5)."""

import datetime as dt
from decimal import Decimal

import pytest

from delinquency.models import Arrangement
from delinquency.services.arrangements import arrangement_create
from payments.tests.factories import account_with, bill

D = Decimal
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def arr_ref(db):
    from delinquency.reference import reference_data_load
    from payments.reference import reference_data_load as payments_load

    payments_load()
    reference_data_load()


def owing(water="120.00", sewer="60.00", *, bill_date=dt.date(2026, 1, 1)):
    """An account owing water + sewer from one completed bill due 01/22."""
    account, (w, s) = account_with("WATER", "SEWER")
    bill(account, {w: water, s: sewer}, bill_date=bill_date)
    account.refresh_from_db()
    w.refresh_from_db()
    s.refresh_from_db()
    return account, w, s


def monthly(account, sas, amount="90.00", count=3, start=dt.date(2026, 4, 1), **kw):
    kw.setdefault("today", TODAY)
    return arrangement_create(
        account=account,
        sas=sas,
        amount=D(amount),
        installments_count=count,
        frequency=Arrangement.Frequency.MONTHLY,
        start_on=start,
        **kw,
    )
