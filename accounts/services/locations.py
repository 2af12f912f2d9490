"""The Location and Owner tabs' writes (seed 004): location ID and details, owner of a
rental, location codes, permits and custom fields."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Customer, Location, LocationCode, LocationPermit, Scope, UDCCaption, UDCValue
from .changes import Scope as ChangeScope
from .changes import changes_record, snapshot
from .custom_fields import custom_fields_clean, custom_fields_defined

LOCATION_FIELDS = (
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "cross_street",
    "description",
    "revenue_class",
    "cycle",
    "route",
    "is_rental",
    "parcel",
    "subdivision",
    "alternate_id",
    "on_lien",
)


def _scope(location: Location) -> ChangeScope:
    return ChangeScope(location=location)


@transaction.atomic
def location_update(*, location: Location, user, data: Mapping[str, Any]) -> Location:
    """seed 004: without "Rental" the customer is the owner, so a location that stops
    being a rental forgets its separate owner."""
    fields = [*LOCATION_FIELDS, "owner"]
    before = snapshot(location, fields)
    for name in LOCATION_FIELDS:
        if name in data:
            setattr(location, name, data[name])
    if not location.is_rental:
        location.owner = None
    location.full_clean(exclude=["number", "owner"])
    location.save(update_fields=fields)
    changes_record(instance=location, before=before, user=user, scope=_scope(location))
    return location


@transaction.atomic
def location_owner_set(*, location: Location, user, owner: Customer | None) -> Location:
    if owner is not None and not location.is_rental:
        raise ValidationError({"owner": "Only a rental has an owner apart from the customer."})
    before = snapshot(location, ["owner"])
    location.owner = owner
    location.save(update_fields=["owner"])
    changes_record(instance=location, before=before, user=user, scope=_scope(location))
    return location


@transaction.atomic
def location_code_set(
    *, location: Location, user, caption: UDCCaption, value: UDCValue
) -> LocationCode:
    """Add or change a location code; once added only the value changes."""
    if caption.applies_to != Scope.LOCATION:
        raise ValidationError({"caption": "That caption is for customers."})
    if value.caption_id != caption.pk:
        raise ValidationError({"value": "Choose a value of the selected caption."})
    code = LocationCode.objects.filter(location=location, caption=caption).first()
    if code is None:
        code = LocationCode.objects.create(location=location, caption=caption, value=value)
        changes_record(
            instance=code, before={}, user=user, scope=_scope(location), action="created"
        )
        return code
    before = snapshot(code, ["value"])
    code.value = value
    code.save(update_fields=["value"])
    changes_record(instance=code, before=before, user=user, scope=_scope(location))
    return code


@transaction.atomic
def location_code_delete(*, location: Location, user, code: LocationCode) -> None:
    if code.location_id != location.pk:
        raise ValidationError("That code belongs to another location.")
    changes_record(instance=code, before={}, user=user, scope=_scope(location), action="deleted")
    code.delete()


@transaction.atomic
def location_permit_save(
    *,
    location: Location,
    user,
    number: str,
    description: str,
    permit: LocationPermit | None = None,
) -> LocationPermit:
    number = number.strip()
    if not number:
        raise ValidationError({"number": "Enter the permit number."})
    clash = LocationPermit.objects.filter(location=location, number__iexact=number)
    if permit is not None:
        if permit.location_id != location.pk:
            raise ValidationError("That permit belongs to another location.")
        clash = clash.exclude(pk=permit.pk)
    if clash.exists():
        raise ValidationError({"number": "This location already has that permit."})
    if permit is None:
        permit = LocationPermit.objects.create(
            location=location, number=number, description=description.strip()
        )
        changes_record(
            instance=permit, before={}, user=user, scope=_scope(location), action="created"
        )
        return permit
    before = snapshot(permit, ["number", "description"])
    permit.number, permit.description = number, description.strip()
    permit.save(update_fields=["number", "description"])
    changes_record(instance=permit, before=before, user=user, scope=_scope(location))
    return permit


@transaction.atomic
def location_permit_delete(*, location: Location, user, permit: LocationPermit) -> None:
    if permit.location_id != location.pk:
        raise ValidationError("That permit belongs to another location.")
    changes_record(instance=permit, before={}, user=user, scope=_scope(location), action="deleted")
    permit.delete()


@transaction.atomic
def location_custom_fields_update(*, location: Location, user, raw: Mapping[str, str]) -> Location:
    before = snapshot(location, ["custom_fields"])
    location.custom_fields = custom_fields_clean(
        definitions=custom_fields_defined(applies_to=Scope.LOCATION),
        current=location.custom_fields,
        raw=raw,
    )
    location.save(update_fields=["custom_fields"])
    changes_record(instance=location, before=before, user=user, scope=_scope(location))
    return location
