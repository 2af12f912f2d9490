"""Special conditions (seed 004, Special Conditions tab): exemptions of an account,
customer or location. Level and code are fixed once saved; the effective date defaults
to today; an expiration, when there is one, is on or after the effective date; a
deactivated condition can't be reactivated (add a new one), which a check constraint also
holds."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..lock_objects import special_condition_qs_select_for_update
from ..models import Account, SpecialCondition, SpecialConditionType
from .changes import Scope, changes_record, snapshot

EDITABLE = ("effective_on", "expires_on", "is_active")


def _scope(condition: SpecialCondition) -> Scope:
    return Scope(
        customer=condition.customer, location=condition.location, account=condition.account
    )


def _dates_check(*, effective_on: dt.date, expires_on: dt.date | None) -> None:
    if expires_on and expires_on < effective_on:
        raise ValidationError({"expires_on": "The expiration can't be before the effective date."})


@transaction.atomic
def special_condition_add(
    *,
    account: Account,
    user,
    level: str,
    condition_type: SpecialConditionType,
    effective_on: dt.date | None = None,
    expires_on: dt.date | None = None,
) -> SpecialCondition:
    if not condition_type.is_active:
        raise ValidationError({"condition_type": "That condition code is no longer in use."})
    effective_on = effective_on or timezone.localdate()
    _dates_check(effective_on=effective_on, expires_on=expires_on)
    condition = SpecialCondition(
        level=level,
        condition_type=condition_type,
        effective_on=effective_on,
        expires_on=expires_on,
        created_by=user,
    )
    if level == SpecialCondition.Level.ACCOUNT:
        condition.account = account
    elif level == SpecialCondition.Level.CUSTOMER:
        condition.customer = account.customer
    elif level == SpecialCondition.Level.LOCATION:
        condition.location = account.location
    else:
        raise ValidationError({"level": "Choose account, customer or location."})
    condition.save()
    changes_record(
        instance=condition, before={}, user=user, scope=_scope(condition), action="created"
    )
    return condition


@transaction.atomic
def special_condition_update(
    *,
    condition: SpecialCondition,
    user,
    effective_on: dt.date,
    expires_on: dt.date | None,
    is_active: bool,
) -> SpecialCondition:
    """Change the dates, or deactivate. Reactivating is refused: seed 004 asks for a new
    condition instead, so the history shows the gap. The row is locked and read again, so
    a deactivation racing an edit can't be undone by it."""
    condition = (
        special_condition_qs_select_for_update()
        .select_related("condition_type", "account", "customer", "location")
        .get(pk=condition.pk)
    )
    if is_active and not condition.is_active:
        raise ValidationError(
            {"is_active": "A deactivated condition can't be reactivated: add a new one."}
        )
    if not condition.is_active:
        raise ValidationError("A deactivated condition is kept as it was: add a new one.")
    _dates_check(effective_on=effective_on, expires_on=expires_on)
    before = snapshot(condition, EDITABLE)
    condition.effective_on, condition.expires_on = effective_on, expires_on
    fields = ["effective_on", "expires_on"]
    if not is_active:
        condition.is_active = False
        condition.deactivated_at = timezone.now()
        fields += ["is_active", "deactivated_at"]
    condition.save(update_fields=fields)
    changes_record(instance=condition, before=before, user=user, scope=_scope(condition))
    return condition


def special_condition_deactivate(*, condition: SpecialCondition, user) -> SpecialCondition:
    return special_condition_update(
        condition=condition,
        user=user,
        effective_on=condition.effective_on,
        expires_on=condition.expires_on,
        is_active=False,
    )
