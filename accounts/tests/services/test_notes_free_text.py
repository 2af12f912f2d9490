"""Notes never hold a card number and stay a readable size (issue 7 items 21, 22): the
service refuses, so the panel and any other caller do too."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Note, NoteType
from accounts.services.notes import TEXT_MAX, note_create, note_update


@pytest.fixture
def general(reference_data):
    return NoteType.objects.get(code="GEN")


@pytest.mark.parametrize(
    "data",
    [
        {"text": "Paid by card 4111 1111 1111 1111, exp 12/28"},
        {"subject": "card 5555-5555-5555-4444", "text": "see subject"},
    ],
)
def test_a_note_with_a_card_number_is_refused(account, csr, general, data):
    with pytest.raises(ValidationError) as exc:
        note_create(account=account, level="account", user=csr, data={"note_type": general, **data})
    field = "subject" if "subject" in data else "text"
    assert "card number" in str(exc.value.message_dict[field])
    assert not Note.objects.exists()


def test_a_card_number_cannot_be_added_by_an_edit(account, csr, general):
    note = note_create(
        account=account, level="account", user=csr, data={"note_type": general, "text": "ok"}
    )
    with pytest.raises(ValidationError):
        note_update(note=note, user=csr, data={"text": "card 4111111111111111"})
    assert Note.objects.get(pk=note.pk).text == "ok"


def test_a_100_kb_note_is_refused(account, csr, general):
    with pytest.raises(ValidationError) as exc:
        note_create(
            account=account,
            level="account",
            user=csr,
            data={"note_type": general, "text": "x" * 100_000},
        )
    assert f"{TEXT_MAX:,} characters" in str(exc.value.message_dict["text"])
