"""Users per role and a small account for the panel's tests."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User

from accounts.models import Customer, CustomerAddress, CustomerEmail, CustomerPhone, SAType
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory, billed_sa

PASSWORD = "correct-horse-9"


@pytest.fixture
def make_user(db):
    def make(role: str, username: str | None = None, extra_perms: tuple[str, ...] = ()) -> User:
        user = User.objects.create_user(username or role.lower(), password=PASSWORD)
        user.groups.add(Group.objects.get(name=role))
        for codename in extra_perms:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        return User.objects.get(pk=user.pk)  # fresh: no stale permission cache

    return make


@pytest.fixture
def csr(make_user):
    return make_user("CSR")


@pytest.fixture
def supervisor(make_user):
    return make_user("Supervisor")


@pytest.fixture
def admin_user(make_user):
    return make_user("Administrator", "administrator")


@pytest.fixture
def account(reference_data):
    """Jane Q. Doe at 12 Elm St, one water SA with a $100 bill, a primary address,
    phone and email."""
    acct = AccountFactory(
        number="1000000042",
        customer__number="C0000042",
        customer__first_name="Jane",
        customer__middle_name="Quinn",
        customer__last_name="Doe",
        customer__ssn="123456789",
        customer__drivers_license="D1234567",
        customer__alternate_id="LEGACY-77",
        location__number="L0000042",
        location__line1="12 Elm St",
        location__parcel="044-12-007",
    )
    customer = acct.customer
    CustomerAddress.objects.create(
        customer=customer,
        line1="12 Elm St",
        city="Springfield",
        state="IL",
        postal_code="62701",
        is_primary=True,
    )
    CustomerPhone.objects.create(customer=customer, number="2175550142", is_primary=True)
    CustomerEmail.objects.create(customer=customer, address="jane@example.com", is_primary=True)
    sa = ServiceAgreementFactory(account=acct, sa_type=SAType.objects.get(code="WATER"))
    billed_sa(
        Decimal("100.00"), sa=sa, bill_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 1, 22)
    )
    acct.refresh_from_db()
    return acct


@pytest.fixture
def private_account(reference_data):
    return AccountFactory(
        number="1000000099",
        customer__number="C0000099",
        customer__last_name="Secretson",
        customer__is_public=False,
        location__line1="99 Hidden Way",
    )


def customer_of(account) -> Customer:
    return Customer.objects.get(pk=account.customer_id)
