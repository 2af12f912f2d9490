"""Payment configuration is maintained in the admin; payment records are read-only there."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from payments.services.cancel import tender_cancel
from payments.services.controls import (
    deposit_control_create,
    tender_control_balance,
    tender_control_open,
)
from payments.services.events import PaymentIn, TenderIn, payment_event_create
from payments.tests.factories import account_with, pay, reason, source, tender_type

pytestmark = pytest.mark.usefixtures("pay_ref")
CONFIG = [
    "tendertype",
    "tendersource",
    "paymentcancelreason",
    "distributionrule",
    "overpaymentrule",
    "distributioncode",
    "deferredchargetype",
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


@pytest.mark.parametrize("model", ["paymentevent", "payment", "tender"])
def test_a_supervisor_does_not_find_private_payments_in_the_admin(client, model):
    """issue 7 item 12: a private account's events, payments and tenders are not in a
    Supervisor's admin lists or searches, and their change forms answer as a missing id
    does; an Administrator sees them."""
    from django.contrib.auth.models import Group

    account, _ = account_with("WATER", customer__is_public=False)
    payment = pay(account, 10, tender="CHECK")
    pk = {
        "paymentevent": payment.event_id,
        "payment": payment.pk,
        "tender": payment.event.tenders.get().pk,
    }[model]
    supervisor = User.objects.create_user("sup", password="x", is_staff=True)
    supervisor.groups.add(Group.objects.get(name="Supervisor"))
    client.force_login(supervisor)
    base = f"/admin/payments/{model}/"
    private, missing = client.get(f"{base}{pk}/change/"), client.get(f"{base}999999/change/")
    assert private.status_code == missing.status_code == 302
    assert private["Location"] == missing["Location"]
    assert f"/{pk}/change/" not in client.get(base).content.decode()
    assert f"/{pk}/change/" not in client.get(base, {"q": account.number}).content.decode()
    admin = User.objects.create_user("adm", password="x", is_staff=True)
    admin.groups.add(Group.objects.get(name="Administrator"))
    client.force_login(admin)
    assert client.get(f"{base}{pk}/change/").status_code == 200


def test_finance_sees_control_adjustments_with_their_deposit(admin_client):
    """A check returned after its drawer balanced shows in the admin as an adjustment of
    the deposit, read-only."""
    deposit = deposit_control_create(deposit_date=dt.date(2026, 1, 15), description="Jan 15")
    drawer = tender_control_open(deposit_control=deposit, tender_source=source())
    account, _ = account_with("WATER")
    event = payment_event_create(
        tender_source=source(),
        tenders=[
            TenderIn(tender_type=tender_type("CHECK"), amount=Decimal("30"), tender_control=drawer)
        ],
        payments=[PaymentIn(account=account, amount=Decimal("30"))],
    )
    tender_control_balance(tender_control=drawer)
    tender_cancel(tender=event.tenders.get(), reason=reason("NSF"))
    listing = admin_client.get("/admin/payments/controladjustment/")
    assert listing.status_code == 200
    assert b"-30.00" in listing.content and f"Deposit {deposit.pk}".encode() in listing.content
    assert admin_client.get("/admin/payments/controladjustment/add/").status_code == 403
