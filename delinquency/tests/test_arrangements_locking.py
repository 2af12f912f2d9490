"""Two CSRs finish the wizard for one account at once, on two connections: exactly one
arrangement. `arrangement_create` locks the account first, so the second waits, then sees
the first's active arrangement and is refused (the `one_active_arrangement` constraint
backs it)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from delinquency.models import Arrangement
from delinquency.services.arrangements import ArrangementError, arrangement_create
from payments.tests.test_locking import hold

from .arrangement_builders import TODAY, arr_ref, owing  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("arr_ref")]


def test_two_wizards_finishing_at_once_make_one_arrangement():
    account, water, sewer = owing()

    def create(sa):
        return lambda: arrangement_create(
            account=account,
            sas=[sa],
            amount=Decimal("50.00"),
            installments_count=2,
            frequency="monthly",
            start_on=dt.date(2026, 4, 1),
            today=TODAY,
        )

    held = hold(create(water), create(sewer))
    assert held.first[0] == "ok"
    assert held.blocked  # the second waited for the account
    assert held.second[0] == "error" and isinstance(held.second[1], ArrangementError)
    assert "still active" in str(held.second[1])
    assert Arrangement.objects.filter(account=account).count() == 1
    assert transaction.get_autocommit()
