"""Contacts (seed 004, Contacts tab): people to reach about a customer or a location, with
their own addresses, emails and phones (one primary each, see contact_points.py).

A contact type says where the contact belongs: a customer contact goes with the customer,
a location contact stays with the premise. Notices by mail need an address on file, by
email an email address.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Account, Contact, ContactAddress, ContactEmail, ContactPhone, Scope
from .changes import Scope as ChangeScope
from .changes import changes_record, snapshot
from .contact_points import contact_point_delete, contact_point_save

CONTACT_FIELDS = (
    "contact_type",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "date_of_birth",
    "notices",
)
ADDRESS_FIELDS = ("kind", "line1", "line2", "city", "state", "postal_code", "country")
EMAIL_FIELDS = ("kind", "address", "description")
PHONE_FIELDS = ("kind", "number", "extension", "description")


def _scope(contact: Contact) -> ChangeScope:
    return ChangeScope(customer=contact.customer, location=contact.location)


def _link(*, contact: Contact, account: Account) -> None:
    if contact.contact_type.applies_to == Scope.LOCATION:
        contact.customer, contact.location = None, account.location
    else:
        contact.customer, contact.location = account.customer, None


def _notices_check(contact: Contact) -> None:
    if contact.notices == Contact.Notices.MAIL and not (contact.pk and contact.addresses.exists()):
        raise ValidationError({"notices": "Add an address before choosing notices by mail."})
    if contact.notices == Contact.Notices.EMAIL and not (contact.pk and contact.emails.exists()):
        raise ValidationError({"notices": "Add an email address before choosing email notices."})


@transaction.atomic
def contact_create(*, account: Account, user, data: Mapping[str, Any]) -> Contact:
    contact = Contact()
    for name in CONTACT_FIELDS:
        if name in data:
            setattr(contact, name, data[name])
    if contact.contact_type_id is None:
        raise ValidationError({"contact_type": "Choose a contact type."})
    _link(contact=contact, account=account)
    _notices_check(contact)
    contact.full_clean()
    contact.save()
    changes_record(instance=contact, before={}, user=user, scope=_scope(contact), action="created")
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, account: Account, user, data: Mapping[str, Any]) -> Contact:
    """A new type may move the contact between customer and location."""
    before = snapshot(contact, [*CONTACT_FIELDS, "customer", "location"])
    for name in CONTACT_FIELDS:
        if name in data:
            setattr(contact, name, data[name])
    _link(contact=contact, account=account)
    _notices_check(contact)
    contact.full_clean()
    contact.save(update_fields=[*CONTACT_FIELDS, "customer", "location"])
    changes_record(instance=contact, before=before, user=user, scope=_scope(contact))
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, user) -> None:
    changes_record(instance=contact, before={}, user=user, scope=_scope(contact), action="deleted")
    contact.delete()


_EDITABLE = {ContactAddress: ADDRESS_FIELDS, ContactEmail: EMAIL_FIELDS, ContactPhone: PHONE_FIELDS}


def contact_point_of_contact_save(
    *,
    contact: Contact,
    user,
    item: ContactAddress | ContactEmail | ContactPhone,
    data: Mapping[str, Any],
    make_primary: bool,
) -> ContactAddress | ContactEmail | ContactPhone:
    """Add or edit an address, email or phone of a contact (`item` unsaved to add)."""
    if item.contact_id != contact.pk:
        raise ValidationError("That entry belongs to another contact.")
    return contact_point_save(
        item=item,
        data=data,
        make_primary=make_primary,
        user=user,
        scope=_scope(contact),
        editable=_EDITABLE[type(item)],
    )


@transaction.atomic
def contact_point_of_contact_delete(
    *, contact: Contact, user, item: ContactAddress | ContactEmail | ContactPhone
) -> None:
    """The last address of a contact with mail notices (or last email with email
    notices) stays until the notices change."""
    if item.contact_id != contact.pk:
        raise ValidationError("That entry belongs to another contact.")
    siblings = type(item).objects.filter(contact=contact).exclude(pk=item.pk)
    needs = {ContactAddress: Contact.Notices.MAIL, ContactEmail: Contact.Notices.EMAIL}
    if needs.get(type(item)) == contact.notices and not siblings.exists():
        raise ValidationError(
            f"This contact gets notices by {contact.get_notices_display().lower()}: "
            "change the notices before deleting the last entry."
        )
    contact_point_delete(item=item, user=user, scope=_scope(contact))
