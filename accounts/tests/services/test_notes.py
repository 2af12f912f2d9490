"""Note rules (seed 004, Notes tab)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ChangeRecord, Note, NoteType
from accounts.services.notes import note_create, note_delete, note_update


@pytest.fixture
def general(reference_data):
    return NoteType.objects.get(code="GEN")


def test_subject_defaults_to_the_text(account, csr, general):
    """No subject: the text (whitespace folded) becomes the subject."""
    note = note_create(
        account=account,
        level="account",
        user=csr,
        data={"note_type": general, "subject": "  ", "text": "Called   about\nthe bill"},
    )
    assert note.subject == "Called about the bill"
    assert note.account == account and note.customer is None and note.created_by == csr


def test_long_text_subject_is_cut_with_an_ellipsis(account, csr, general):
    note = note_create(
        account=account, level="account", user=csr, data={"note_type": general, "text": "x" * 300}
    )
    assert len(note.subject) == 120 and note.subject.endswith("\u2026")


def test_level_decides_the_record_the_note_hangs_on(account, csr, general):
    customer_note = note_create(
        account=account, level="customer", user=csr, data={"note_type": general, "text": "c"}
    )
    location_note = note_create(
        account=account, level="location", user=csr, data={"note_type": general, "text": "l"}
    )
    assert customer_note.customer_id == account.customer_id and customer_note.account is None
    assert location_note.location_id == account.location_id and location_note.customer is None


@pytest.mark.parametrize("flag", ["show_in_message_center", "show_in_payment_center"])
def test_location_notes_refuse_message_and_payment_center(account, csr, general, flag):
    with pytest.raises(ValidationError) as e:
        note_create(
            account=account,
            level="location",
            user=csr,
            data={"note_type": general, "text": "gate code", flag: True},
        )
    assert flag in e.value.message_dict


def test_database_also_refuses_center_flags_on_location_notes(account, general):
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(
            level="location",
            location=account.location,
            note_type=general,
            subject="s",
            text="t",
            show_in_message_center=True,
        )


def test_expiration_needs_used_for(account, csr, general):
    later = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(ValidationError) as e:
        note_create(
            account=account,
            level="account",
            user=csr,
            data={"note_type": general, "text": "t", "expires_on": later},
        )
    assert "expires_on" in e.value.message_dict
    note = note_create(
        account=account,
        level="account",
        user=csr,
        data={"note_type": general, "text": "t", "expires_on": later, "used_for": "statement"},
    )
    assert note.expires_on == later


def test_grace_date_rules(account, csr, general):
    """A new grace date can't be in the past, and location notes get none; an old grace
    date does not block editing the rest of the note."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as e:
        note_create(
            account=account,
            level="account",
            user=csr,
            data={"note_type": general, "text": "t", "grace_date": yesterday},
        )
    assert "grace_date" in e.value.message_dict
    with pytest.raises(ValidationError):
        note_create(
            account=account,
            level="location",
            user=csr,
            data={"note_type": general, "text": "t", "grace_date": timezone.localdate()},
        )
    note = note_create(
        account=account,
        level="account",
        user=csr,
        data={"note_type": general, "text": "t", "grace_date": timezone.localdate()},
    )
    Note.objects.filter(pk=note.pk).update(grace_date=yesterday)  # time passes
    note.refresh_from_db()
    note_update(note=note, user=csr, data={"text": "still in grace?"})
    assert note.grace_date == yesterday


def test_note_type_and_text_are_required(account, csr):
    with pytest.raises(ValidationError) as e:
        note_create(account=account, level="account", user=csr, data={"text": ""})
    assert {"text", "note_type"} <= set(e.value.message_dict)


def test_update_and_delete_are_kept_in_the_change_history(account, csr, general):
    note = note_create(
        account=account, level="account", user=csr, data={"note_type": general, "text": "one"}
    )
    note_update(note=note, user=csr, data={"text": "two", "show_in_message_center": True})
    rows = ChangeRecord.objects.filter(object_id=note.pk, content_type__model="note")
    updated = {r.field: (r.old_value, r.new_value) for r in rows.filter(action="updated")}
    assert updated["text"] == ("one", "two")
    assert updated["show_in_message_center"] == ("No", "Yes")
    assert rows.filter(action="created", user=csr).exists()
    note_delete(note=note, user=csr)
    assert rows.filter(action="deleted").exists()
    assert rows.first().account_id == account.pk
