"""System checks of the platform (registered from `CisConfig.ready`)."""

from django.apps import apps
from django.core import checks
from django.db import DatabaseError

from .crypto import Ciphertext, EncryptedTextField, UndecryptableError

# Rows read per encrypted field: the oldest and the newest, where a retired key and a
# mistyped new key show first.
SAMPLE = 20


def encrypted_fields_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The configured FIELD_ENCRYPTION_KEYS open a sample of each encrypted field's stored
    values. Skipped quietly while the database is unreachable or not migrated."""
    errors = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                try:
                    failed = _undecryptable_ids(model, field)
                except DatabaseError:
                    return errors
                if failed:
                    errors.append(_error(model, field, failed))
    return errors


def _undecryptable_ids(model, field) -> list[int]:
    rows = model._base_manager.exclude(**{field.name: ""}).exclude(
        **{f"{field.name}__isnull": True}
    )
    sample = {}
    for order in ("pk", "-pk"):
        sample.update(rows.order_by(order).values_list("pk", field.name)[:SAMPLE])
    failed = []
    for pk, value in sorted(sample.items()):
        try:
            if isinstance(value, Ciphertext):
                value.plaintext  # noqa: B018 (decrypting is the check)
        except UndecryptableError:
            failed.append(pk)
    return failed


def _error(model, field, failed: list[int]) -> checks.Error:
    label = f"{model._meta.label}.{field.name}"
    return checks.Error(
        f"{label}: {len(failed)} sampled stored value(s) do not decrypt with any key in "
        f"FIELD_ENCRYPTION_KEYS (ids {', '.join(map(str, failed[:5]))}"
        f"{', ...' if len(failed) > 5 else ''})",
        hint="Put the retired key back after the new one, run `manage.py rotate_field_keys`, "
        "and only then drop the old key.",
        obj=label,
        id="cis.E001",
    )
