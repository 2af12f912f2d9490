"""The demo generator gives the panel something to show, the same way every time."""

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.models import Contact, CustomerCode, Note, SpecialCondition

ARGS = ["--accounts", "60", "--seed", "3", "--as-of", "2026-11-25"]


def _snapshot():
    return (
        list(Note.objects.order_by("pk").values_list("level", "subject", "grace_date")),
        Contact.objects.count(),
        SpecialCondition.objects.count(),
        CustomerCode.objects.count(),
    )


class _Undo(Exception):
    pass


@pytest.mark.django_db
def test_demo_adds_notes_contacts_conditions_and_codes_deterministically():
    try:
        with transaction.atomic():
            call_command("seed_demo", *ARGS)
            first = _snapshot()
            raise _Undo
    except _Undo:
        pass
    notes, contacts, conditions, codes = first
    assert len(notes) > 20 and contacts and conditions and codes
    assert {level for level, _, _ in notes} == {"account", "customer", "location"}
    assert not Note.objects.exists()
    call_command("seed_demo", *ARGS)
    assert _snapshot()[1:] == first[1:]
    assert [n[1:] for n in _snapshot()[0]] == [n[1:] for n in first[0]]
