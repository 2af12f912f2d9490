"""The Demographics tab's writes (seed 004): add, edit, delete an item's value on a
customer, location or account, and its variances. Edits overwrite (as the seed says); the
change history keeps the old values."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..models import Account, Demographic, DemographicItem, DemographicVariance
from .changes import Scope, changes_record, snapshot

FIELDS = ("item", "value")
VARIANCE_FIELDS = ("description", "amount", "effective_on", "expires_on", "reference")


def _scope(d: Demographic) -> Scope:
    return Scope(customer=d.customer, location=d.location, account=d.account)


def _owner(level: str, account: Account) -> dict:
    return {
        "customer": {"customer": account.customer},
        "location": {"location": account.location},
        "account": {"account": account},
    }[level]


@transaction.atomic
def demographic_add(
    *, user, account: Account, item: DemographicItem, value: Decimal
) -> Demographic:
    """The item on the record its level names (the account's customer, location or the
    account itself)."""
    if not item.is_active:
        raise ValidationError({"item": "This item is no longer in use."})
    demographic = Demographic(
        item=item, level=item.level, value=value, **_owner(item.level, account)
    )
    demographic.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            demographic.save()
    except IntegrityError:
        raise ValidationError(
            {"item": "This item is on the record already: edit it instead."}
        ) from None
    changes_record(
        instance=demographic, before={}, user=user, scope=_scope(demographic), action="created"
    )
    changes_record(
        instance=demographic, before=dict.fromkeys(FIELDS, ""), user=user, scope=_scope(demographic)
    )
    return demographic


@transaction.atomic
def demographic_change(*, user, demographic: Demographic, value: Decimal) -> Demographic:
    demographic = Demographic.objects.select_for_update().get(pk=demographic.pk)
    before = snapshot(demographic, FIELDS)
    demographic.value = value
    demographic.full_clean(validate_constraints=False)
    demographic.save(update_fields=["value"])
    changes_record(instance=demographic, before=before, user=user, scope=_scope(demographic))
    return demographic


@transaction.atomic
def demographic_delete(*, user, demographic: Demographic) -> None:
    before = snapshot(demographic, FIELDS)
    scope = _scope(demographic)
    changes_record(instance=demographic, before=before, user=user, scope=scope, action="deleted")
    demographic.delete()


@transaction.atomic
def variance_add(
    *,
    user,
    demographic: Demographic,
    description: str,
    amount: Decimal,
    effective_on: dt.date,
    expires_on: dt.date | None = None,
    reference: str = "",
) -> DemographicVariance:
    if expires_on is not None and expires_on < effective_on:
        raise ValidationError({"expires_on": "The expiration date is before the effective date."})
    variance = DemographicVariance(
        demographic=demographic,
        description=description,
        amount=amount,
        effective_on=effective_on,
        expires_on=expires_on,
        reference=reference,
    )
    variance.full_clean()
    variance.save()
    changes_record(
        instance=variance,
        before=dict.fromkeys(VARIANCE_FIELDS, ""),
        user=user,
        scope=_scope(demographic),
    )
    return variance


@transaction.atomic
def variance_delete(*, user, variance: DemographicVariance) -> None:
    scope = _scope(variance.demographic)
    changes_record(
        instance=variance,
        before=snapshot(variance, VARIANCE_FIELDS),
        user=user,
        scope=scope,
        action="deleted",
    )
    variance.delete()
