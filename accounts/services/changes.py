"""The change history (DESIGN §8): services take a snapshot of a record before they change
it and call `changes_record` after, which writes one ChangeRecord per changed field.

Values are kept as display text, the way a CSR reads them; encrypted personal data is kept
masked, so the history never becomes a second copy of an SSN.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models

from cis.crypto import EncryptedTextField, mask

from ..models import Account, ChangeRecord, Customer, Location


@dataclass(frozen=True)
class Scope:
    """Where a change shows in the panel."""

    customer: Customer | None = None
    location: Location | None = None
    account: Account | None = None


def _display(instance: models.Model, field: models.Field) -> str:
    value = getattr(instance, field.name)
    if isinstance(field, EncryptedTextField):
        return mask(value or "")
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, str]:
    """Display values of `fields` (names of concrete fields; JSON dicts are flattened to
    'field.key' so each custom field is its own line in the history)."""
    values: dict[str, str] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        raw = getattr(instance, field.name)
        if isinstance(field, models.JSONField) and isinstance(raw, dict):
            values[name] = ""  # marks the field as watched even while the dict is empty
            for key, item in raw.items():
                values[f"{name}.{key}"] = "" if item is None else str(item)
            continue
        values[name] = _display(instance, field)
    return values


def changes_record(
    *,
    instance: models.Model,
    before: Mapping[str, str],
    user,
    scope: Scope,
    action: str = ChangeRecord.Action.UPDATED,
) -> list[ChangeRecord]:
    """Write what differs between `before` and the instance now. For a created or deleted
    record pass `before={}` (created) or the last snapshot (deleted): one summary row."""
    content_type = ContentType.objects.get_for_model(instance)
    base = {
        "content_type": content_type,
        "object_id": instance.pk,
        "object_repr": str(instance)[:200],
        "user": user if getattr(user, "pk", None) else None,
        "customer": scope.customer,
        "location": scope.location,
        "account": scope.account,
    }
    if action != ChangeRecord.Action.UPDATED:
        row = ChangeRecord(action=action, **base)
        row.save()
        return [row]
    after = snapshot(instance, {key.split(".")[0] for key in before})
    rows = [
        ChangeRecord(
            action=action,
            field=key,
            old_value=before.get(key, ""),
            new_value=after.get(key, ""),
            **base,
        )
        for key in sorted(set(before) | set(after))
        if before.get(key, "") != after.get(key, "")
    ]
    ChangeRecord.objects.bulk_create(rows)
    return rows
