"""Inserting a validated row without a query per check (issue 7, online speed).

`full_clean()` before `save()` validates every unique and check constraint with its own
query (three statements each, with the savepoint) and every foreign key with another: a
third of an online payment's work, all of it checked again by PostgreSQL on INSERT.
`insert_validated` keeps the Python field checks and lets the database check the rest,
answering a violated constraint with the same ValidationError `full_clean` gives.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models


def insert_validated(obj: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """`obj.full_clean(exclude=exclude)` then `obj.save()` for a new row, cheaper.

    Field checks (choices, lengths, digits, required values) run in Python as before. The
    database checks unique and check constraints on INSERT; a violation raises the
    constraint's ValidationError. Foreign keys that are set are not looked up again: the
    callers pass instances they loaded, and PostgreSQL checks the reference at commit.
    """
    loaded = [f.name for f in obj._meta.concrete_fields if f.is_relation and _is_set(obj, f)]
    obj.full_clean(exclude=[*exclude, *loaded], validate_unique=False, validate_constraints=False)
    try:
        obj.save(force_insert=True)
    except IntegrityError as exc:
        error = constraint_violation(obj, exc)
        if error is None:
            raise
        raise error from exc


def _is_set(obj: models.Model, field) -> bool:
    return getattr(obj, field.attname) is not None


def constraint_violation(obj: models.Model, exc: IntegrityError) -> ValidationError | None:
    """The ValidationError `full_clean` raises for the model constraint `exc` names, or
    None when it names none of them (a foreign key, a trigger)."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    model = type(obj)
    for constraint in model._meta.constraints:
        if constraint.name != name:
            continue
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.fields
            and not constraint.condition
            and constraint.violation_error_message == constraint.default_violation_error_message
        ):
            message = obj.unique_error_message(model, constraint.fields)
            return ValidationError(message, code=message.code)
        return ValidationError(
            constraint.get_violation_error_message(), code=constraint.violation_error_code
        )
    return None
