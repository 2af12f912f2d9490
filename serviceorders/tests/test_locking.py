"""Two payments on one shut-off account decided at once on two connections: exactly one
reconnect order. The account lock in `reconnect_evaluate` makes the second wait and find
the first's order; the `one_open_reconnect_per_account` constraint backs it (the second's
insert waits on the first's and fails, which is caught). Removing both makes two orders."""

import pytest
from django.db import transaction

from payments.signals import payment_frozen
from payments.tests.factories import account_with, bill, pay
from payments.tests.test_locking import hold
from serviceorders.models import ReconnectDecision, ServiceOrder
from serviceorders.receivers import payment_frozen_reconnect
from serviceorders.services.reconnect import payments_frozen_handle

from .builders import shut_off

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("so_ref")]


@pytest.fixture
def two_payments():
    account, (water,) = account_with("WATER")
    bill(account, {water: 70})
    shut_off(account)
    payment_frozen.disconnect(dispatch_uid="serviceorders_auto_reconnect")
    try:
        first, second = pay(account, 70), pay(account, 70)
    finally:
        payment_frozen.connect(
            payment_frozen_reconnect, dispatch_uid="serviceorders_auto_reconnect"
        )
    return account, first, second


def test_two_payments_frozen_at_once_make_one_reconnect(two_payments):
    account, first, second = two_payments

    def decide(payment):
        return lambda: payments_frozen_handle(payment_ids=[payment.pk], account_ids=[account.pk])

    held = hold(decide(first), decide(second))
    assert held.first[0] == "ok" and held.second[0] == "ok"
    assert held.blocked
    assert ServiceOrder.objects.filter(account=account, kind="reconnect").count() == 1
    reasons = dict(ReconnectDecision.objects.values_list("payment_id", "reason"))
    assert reasons == {first.pk: "reconnected", second.pk: "open_reconnect_exists"}
    assert transaction.get_autocommit()
