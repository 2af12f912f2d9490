"""Two CSRs editing the same record at once (PostgreSQL, two connections)."""

import pytest
from django.utils import timezone

from accounts.models import CustomerPhone, SpecialCondition, SpecialConditionType
from accounts.services.conditions import special_condition_add, special_condition_update
from accounts.services.customers import customer_phone_save
from accounts.tests.factories import CustomerFactory
from accounts.tests.test_locking import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_primaries_marked_at_once_leave_exactly_one():
    """Both saves succeed one after the other (the owner row is locked); the partial
    unique index is never the one to say no."""
    customer = CustomerFactory()
    phones = [
        customer_phone_save(
            customer=customer,
            user=None,
            make_primary=False,
            data={"kind": "home", "number": f"21755500{n:02d}", "extension": ""},
        )
        for n in range(3)
    ]
    outcomes = race(
        *[
            (
                lambda phone=phone: customer_phone_save(
                    customer=customer,
                    user=None,
                    make_primary=True,
                    phone=phone,
                    data={"kind": phone.kind, "number": phone.number, "extension": ""},
                )
            )
            for phone in phones[1:]
        ]
    )
    assert [o[0] for o in outcomes] == ["ok", "ok"]
    assert CustomerPhone.objects.filter(customer=customer, is_primary=True).count() == 1


def test_an_edit_racing_a_deactivation_cannot_bring_the_condition_back(reference_data):
    from accounts.tests.factories import AccountFactory

    account = AccountFactory()
    condition = special_condition_add(
        account=account,
        user=None,
        level="account",
        condition_type=SpecialConditionType.objects.get(code="DOG"),
    )
    today = timezone.localdate()
    outcomes = race(
        lambda: special_condition_update(
            condition=condition,
            user=None,
            effective_on=today,
            expires_on=None,
            is_active=False,
        ),
        lambda: special_condition_update(
            condition=condition,
            user=None,
            effective_on=today,
            expires_on=None,
            is_active=True,
        ),
    )
    condition = SpecialCondition.objects.get(pk=condition.pk)
    assert not condition.is_active and condition.deactivated_at is not None
    assert "ok" in [o[0] for o in outcomes]
