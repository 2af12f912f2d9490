"""Special conditions: deactivated ones can't come back (seed 004)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import SpecialCondition, SpecialConditionType
from accounts.services.conditions import (
    special_condition_add,
    special_condition_deactivate,
    special_condition_update,
)


@pytest.fixture
def medical(reference_data):
    return SpecialConditionType.objects.get(code="MEDICAL")


def test_a_new_condition_is_active_from_today(account, csr, medical):
    condition = special_condition_add(
        account=account, user=csr, level="customer", condition_type=medical
    )
    assert condition.is_active and condition.effective_on == timezone.localdate()
    assert condition.customer_id == account.customer_id


def test_deactivated_condition_cannot_be_reactivated(account, csr, medical):
    condition = special_condition_add(
        account=account, user=csr, level="account", condition_type=medical
    )
    special_condition_deactivate(condition=condition, user=csr)
    condition.refresh_from_db()
    assert not condition.is_active and condition.deactivated_at is not None
    with pytest.raises(ValidationError) as e:
        special_condition_update(
            condition=condition,
            user=csr,
            effective_on=condition.effective_on,
            expires_on=None,
            is_active=True,
        )
    assert "is_active" in e.value.message_dict
    with pytest.raises(ValidationError):  # nor edited
        special_condition_update(
            condition=condition,
            user=csr,
            effective_on=condition.effective_on,
            expires_on=None,
            is_active=False,
        )


def test_the_database_refuses_a_reactivation_too(account, csr, medical):
    condition = special_condition_add(
        account=account, user=csr, level="account", condition_type=medical
    )
    special_condition_deactivate(condition=condition, user=csr)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecialCondition.objects.filter(pk=condition.pk).update(is_active=True)


def test_expiration_on_or_after_the_effective_date(account, csr, medical):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        special_condition_add(
            account=account,
            user=csr,
            level="account",
            condition_type=medical,
            effective_on=today,
            expires_on=today - dt.timedelta(days=1),
        )
    condition = special_condition_add(
        account=account,
        user=csr,
        level="location",
        condition_type=medical,
        effective_on=today,
        expires_on=today,
    )
    assert condition.location_id == account.location_id
