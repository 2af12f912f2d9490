"""`make run` shows a To Do queue: the demo raises entries of several types, the same
ones every time (issue 8 item 16)."""

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.models import ToDoEntry

ARGS = ["--accounts", "40", "--seed", "5", "--as-of", "2026-11-25"]


class _Undo(Exception):
    pass


def _snapshot():
    return list(
        ToDoEntry.objects.order_by("created_at", "subject").values_list(
            "todo_type__code", "subject", "status", "created_at"
        )
    )


@pytest.mark.django_db
def test_demo_raises_to_do_entries_of_several_types_deterministically():
    try:
        with transaction.atomic():
            call_command("seed_demo", *ARGS)
            first = _snapshot()
            sources = set(ToDoEntry.objects.values_list("source", flat=True))
            raise _Undo
    except _Undo:
        pass
    codes = {row[0] for row in first}
    assert {"PAYUPLOAD", "COLLREVIEW", "AUTOPAYMAX", "GENERAL"} <= codes
    assert {row[2] for row in first} == {"open", "complete"}
    assert any(s.startswith("payments.Payment:") for s in sources)
    assert any(s.startswith("accounts.Account:") for s in sources)
    call_command("seed_demo", *ARGS)
    assert _snapshot() == first
