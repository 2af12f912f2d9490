"""Payment configuration is maintained in the admin; payment records are read-only there."""

import pytest
from django.contrib.auth.models import User

from payments.tests.factories import account_with, pay

pytestmark = pytest.mark.usefixtures("pay_ref")
CONFIG = [
    "tendertype",
    "tendersource",
    "paymentcancelreason",
    "distributionrule",
    "overpaymentrule",
    "distributioncode",
]


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    return client


@pytest.mark.parametrize("model", CONFIG)
def test_configuration_is_editable(admin_client, model):
    assert admin_client.get(f"/admin/payments/{model}/").status_code == 200
    assert admin_client.get(f"/admin/payments/{model}/add/").status_code == 200


def test_payments_are_read_only(admin_client):
    account, _ = account_with("WATER")
    payment = pay(account, 10)
    assert admin_client.get("/admin/payments/payment/").status_code == 200
    assert admin_client.get(f"/admin/payments/payment/{payment.pk}/change/").status_code == 200
    assert admin_client.get("/admin/payments/payment/add/").status_code == 403
    assert (
        admin_client.get(f"/admin/payments/paymentevent/{payment.event_id}/change/").status_code
        == 200
    )
