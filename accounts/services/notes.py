"""Notes (seed 004, Notes tab).

Rules, all from the seed:
- A note is on the account (this customer here), the customer (follows them everywhere)
  or the location (stays with the premise). The level is fixed once saved.
- No subject: the text becomes the subject.
- Message Center / Payment Center flags are for customer and account notes only: location
  notes show in the Location Message Center anyway.
- The expiration date is only active once "Used for" is chosen.
- A grace date is the last day of a penalty reprieve. It is for the customer or account
  (penalties are charged to accounts; a location outlives its residents), and a new one
  can't be in the past: a reprieve that already ended grants nothing.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cis.validators import CARD_NUMBER_MESSAGE, looks_like_card_number

from ..models import Account, Note
from .changes import Scope, changes_record, snapshot

NOTE_FIELDS = (
    "note_type",
    "subject",
    "text",
    "show_in_message_center",
    "show_in_payment_center",
    "grace_date",
    "used_for",
    "expires_on",
)
SUBJECT_MAX = 120
# A note is read on a screen; a bigger text is a document (attach it instead).
TEXT_MAX = 10_000


def _subject_from_text(text: str) -> str:
    first_line = " ".join(text.split())
    if len(first_line) <= SUBJECT_MAX:
        return first_line
    return first_line[: SUBJECT_MAX - 1].rstrip() + "\u2026"


def _note_check(*, note: Note, grace_changed: bool) -> None:
    errors: dict[str, str] = {}
    note.text = (note.text or "").strip()
    note.subject = (note.subject or "").strip()
    if not note.text:
        errors["text"] = "Write the note."
    elif len(note.text) > TEXT_MAX:
        errors["text"] = f"Keep the note to {TEXT_MAX:,} characters (it has {len(note.text):,})."
    elif not note.subject:
        note.subject = _subject_from_text(note.text)
    for name in ("subject", "text"):
        if looks_like_card_number(getattr(note, name)):
            # DESIGN §8: no card numbers stored, ever (issue 7 item 21)
            errors.setdefault(name, CARD_NUMBER_MESSAGE)
    if note.note_type_id is None:
        errors["note_type"] = "Choose a note type."
    if note.level == Note.Level.LOCATION:
        if note.show_in_message_center:
            errors["show_in_message_center"] = (
                "Location notes always show in the Location Message Center; the box is for "
                "customer and account notes."
            )
        if note.show_in_payment_center:
            errors["show_in_payment_center"] = "Payment Center is for customer and account notes."
        if note.grace_date:
            errors["grace_date"] = "A grace date is for a customer or account note."
    if note.expires_on and not note.used_for:
        errors["expires_on"] = "Choose what the note is used for before an expiration date."
    if grace_changed and note.grace_date and note.grace_date < timezone.localdate():
        errors["grace_date"] = "The grace date can't be in the past."
    if errors:
        raise ValidationError(errors)


def note_scope(note: Note) -> Scope:
    return Scope(customer=note.customer, location=note.location, account=note.account)


@transaction.atomic
def note_create(*, account: Account, level: str, user, data: Mapping[str, Any]) -> Note:
    """A note on `account`, its customer or its location, as `level` says."""
    if level not in Note.Level.values:
        raise ValidationError({"level": "Choose account, customer or location."})
    note = Note(level=level, created_by=user, created_at=timezone.now())
    if level == Note.Level.ACCOUNT:
        note.account = account
    elif level == Note.Level.CUSTOMER:
        note.customer = account.customer
    else:
        note.location = account.location
    for name in NOTE_FIELDS:
        if name in data:
            setattr(note, name, data[name])
    _note_check(note=note, grace_changed=True)
    note.save()
    changes_record(instance=note, before={}, user=user, scope=note_scope(note), action="created")
    return note


@transaction.atomic
def note_update(*, note: Note, user, data: Mapping[str, Any]) -> Note:
    before = snapshot(note, NOTE_FIELDS)
    old_grace = note.grace_date
    for name in NOTE_FIELDS:
        if name in data:
            setattr(note, name, data[name])
    _note_check(note=note, grace_changed=note.grace_date != old_grace)
    note.updated_at = timezone.now()
    note.save(update_fields=[*NOTE_FIELDS, "updated_at"])
    changes_record(instance=note, before=before, user=user, scope=note_scope(note))
    return note


@transaction.atomic
def note_delete(*, note: Note, user) -> None:
    changes_record(instance=note, before={}, user=user, scope=note_scope(note), action="deleted")
    note.delete()
