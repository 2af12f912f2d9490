"""Custom fields (seed 004, Customer / Location tab > Custom Fields): the utility defines
them, the panel edits their values, kept as JSON text on the customer or location."""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ..models import CustomField, Scope


def custom_fields_defined(*, applies_to: Scope) -> QuerySet[CustomField]:
    return CustomField.objects.filter(applies_to=applies_to, is_active=True)


def _clean_one(definition: CustomField, raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        if definition.is_required:
            raise ValidationError("This field is required.")
        return ""
    if definition.kind == CustomField.Kind.NUMBER:
        try:
            return str(Decimal(raw))
        except InvalidOperation:
            raise ValidationError("Enter a number.") from None
    if definition.kind == CustomField.Kind.DATE:
        try:
            return dt.date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValidationError("Enter a date as YYYY-MM-DD.") from None
    if definition.kind == CustomField.Kind.YES_NO and raw not in ("yes", "no"):
        raise ValidationError("Choose yes or no.")
    return raw[:200]


def custom_fields_clean(
    *, definitions: Iterable[CustomField], current: Mapping[str, str], raw: Mapping[str, str]
) -> dict[str, str]:
    """The new JSON value: defined fields from `raw` (validated), other keys kept as they
    were (a field the utility retired keeps its history). Errors are keyed by field code."""
    values = dict(current)
    errors: dict[str, list[str]] = {}
    for definition in definitions:
        try:
            cleaned = _clean_one(definition, raw.get(definition.code, ""))
        except ValidationError as e:
            errors[definition.code] = e.messages
            continue
        if cleaned:
            values[definition.code] = cleaned
        else:
            values.pop(definition.code, None)
    if errors:
        raise ValidationError(errors)
    return values
