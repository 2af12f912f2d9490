"""Addresses, phones and emails of customers and contacts: one of each kind is primary.

seed 004 (Customer tab > Address / Phone, Contacts tab): the only entry is primary and
can't be unchecked; a later entry can be made primary, which takes the mark from the old
one; the primary's own box is disabled, so primary moves, it is never just removed. When
the primary is deleted the oldest remaining entry inherits it, so an owner with entries
always has a primary one. A partial unique index per table keeps it to one.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from ..lock_objects import contact_qs_select_for_update, customer_qs_select_for_update
from .changes import Scope, changes_record, snapshot

PrimaryItem = models.Model  # CustomerAddress | CustomerPhone | CustomerEmail | Contact*


def _owner_field(model: type[models.Model]) -> str:
    return "customer" if hasattr(model, "customer_id") else "contact"


def _owner_lock(item: PrimaryItem) -> None:
    """Serialise primary changes of one owner: two CSRs marking different entries primary
    at once then both succeed, the later one winning, instead of one hitting the index."""
    if _owner_field(type(item)) == "customer":
        list(customer_qs_select_for_update().filter(pk=item.customer_id))
    else:
        list(contact_qs_select_for_update().filter(pk=item.contact_id))


def _siblings(item: PrimaryItem) -> models.QuerySet:
    owner = _owner_field(type(item))
    qs = type(item).objects.filter(**{f"{owner}_id": getattr(item, f"{owner}_id")})
    return qs.exclude(pk=item.pk) if item.pk else qs


@transaction.atomic
def contact_point_save(
    *,
    item: PrimaryItem,
    data: Mapping[str, Any],
    make_primary: bool,
    user,
    scope: Scope,
    editable: tuple[str, ...],
) -> PrimaryItem:
    """Create (`item.pk` None) or update an address, phone or email under the rules above.

    `item` carries its owner; `data` the new values of the `editable` fields.
    """
    creating = item.pk is None
    _owner_lock(item)
    if not creating:
        item.refresh_from_db(fields=["is_primary"])
    before = {} if creating else snapshot(item, [*editable, "is_primary"])
    siblings = _siblings(item)
    for name in editable:
        if name in data:
            setattr(item, name, data[name])
    if creating and not siblings.exists():
        make_primary = True  # the only entry is the primary one
    if not creating and item.is_primary and not make_primary:
        raise ValidationError(
            {"is_primary": "This is the primary entry: mark another one primary instead."}
        )
    item.full_clean(exclude=[_owner_field(type(item)), "is_primary"])
    if make_primary and not item.is_primary:
        # Unmark the old primary first: the partial unique index allows only one.
        previous = list(siblings.filter(is_primary=True))
        siblings.filter(is_primary=True).update(is_primary=False)
        for old in previous:
            old.is_primary = False
            changes_record(instance=old, before={"is_primary": "Yes"}, user=user, scope=scope)
        item.is_primary = True
    if creating:
        item.save()
        changes_record(instance=item, before={}, user=user, scope=scope, action="created")
    else:
        item.save(update_fields=[*editable, "is_primary"])
        changes_record(instance=item, before=before, user=user, scope=scope)
    return item


@transaction.atomic
def contact_point_delete(*, item: PrimaryItem, user, scope: Scope) -> None:
    """Delete an entry; a deleted primary hands the mark to the oldest remaining one."""
    _owner_lock(item)
    item.refresh_from_db(fields=["is_primary"])
    successor = None
    if item.is_primary:
        successor = _siblings(item).order_by("pk").first()
    changes_record(
        instance=item,
        before=snapshot(item, ["is_primary"]),
        user=user,
        scope=scope,
        action="deleted",
    )
    item.delete()
    if successor is not None:
        before = snapshot(successor, ["is_primary"])
        successor.is_primary = True
        successor.save(update_fields=["is_primary"])
        changes_record(instance=successor, before=before, user=user, scope=scope)
