"""Fixtures shared by the panel's payment tests."""

import pytest
from django.contrib.auth.models import Group, User

from accounts.models import Account
from payments.tests.factories import account_with, bill

PANEL_PASSWORD = "pay-panel-pass-9"


@pytest.fixture
def csr(db) -> User:
    user = User.objects.create_user("casey", password=PANEL_PASSWORD)
    user.groups.add(Group.objects.get(name="CSR"))
    return user


@pytest.fixture
def client_csr(client, csr):
    assert client.login(username="casey", password=PANEL_PASSWORD)
    return client


@pytest.fixture
def water(pay_ref) -> Account:
    """An account with water and sewer SAs and a $150 bill ($100 + $50)."""
    account, (w, s) = account_with("WATER", "SEWER")
    bill(account, {w: 100, s: 50})
    account.refresh_from_db()
    return account
