"""A retired field-encryption key must not take the whole system down: account and
payment reads that show no personal data keep working, because encrypted values decrypt
only when read (the customer row is joined by every account and payment read). The
start-up check that reports such keys is tested in cis/tests/test_checks.py."""

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Group, User
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Customer
from payments.tests.factories import account_with, pay

pytestmark = pytest.mark.usefixtures("pay_ref")


@pytest.fixture
def retired(settings):
    """A customer whose SSN and license were encrypted with a key since dropped from
    FIELD_ENCRYPTION_KEYS, with a frozen payment on the account; yields the old keys."""
    account, _ = account_with("WATER")
    customer = account.customer
    customer.ssn, customer.drivers_license = "123456789", "D7654321"
    customer.save(update_fields=["ssn", "drivers_license"])
    payment = pay(account, 25)
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return account, payment, old_keys


def staff(role: str) -> User:
    user = User.objects.create_user(role.lower(), password="pw-for-tests-1")
    user.groups.add(Group.objects.get(name=role))
    return user


def test_account_and_payment_reads_work_without_the_retired_key(retired, client):
    account, payment, _ = retired
    api = APIClient()
    api.force_authenticate(staff("CSR"))
    assert api.get(f"/api/v1/accounts/{account.number}/").status_code == 200
    assert api.get(f"/api/v1/payments/{payment.pk}/").status_code == 200
    assert api.get(f"/api/v1/payment-events/{payment.event_id}/").status_code == 200
    assert api.get(f"/api/v1/accounts/{account.number}/payments/").status_code == 200
    client.force_login(staff("Supervisor"))
    assert client.get(reverse("acp:panel", args=[account.number])).status_code == 200


def test_the_encrypted_value_itself_still_fails_loudly(retired):
    account, _, _ = retired
    customer = Customer.objects.get(pk=account.customer_id)
    with pytest.raises(ValueError, match="no configured key"):
        customer.ssn  # noqa: B018


def test_saving_a_customer_keeps_values_it_could_not_read(retired, settings):
    """Editing a name while a key is missing must not destroy the SSN encrypted with it."""
    account, _, old_keys = retired
    customer = Customer.objects.get(pk=account.customer_id)
    customer.first_name = "Renamed"
    customer.save()
    settings.FIELD_ENCRYPTION_KEYS = [*settings.FIELD_ENCRYPTION_KEYS, *old_keys]
    again = Customer.objects.get(pk=account.customer_id)
    assert (again.first_name, again.ssn, again.drivers_license) == (
        "Renamed",
        "123456789",
        "D7654321",
    )
