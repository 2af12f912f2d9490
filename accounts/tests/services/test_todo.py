"""Working To Do entries (issue 8 item 16; seed 003 steps 7.5-8.3, seed 001 step 2.1): a
CSR takes an entry, comments, completes it with a resolution; a supervisor reassigns.
Every step is in the entry's log with who and when."""

import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AccountOpen, ToDoEntry, ToDoLog
from accounts.services import work
from accounts.services.work import (
    account_open_record,
    todo_assign,
    todo_comment,
    todo_complete,
    todo_create,
    todo_reassign,
)
from accounts.tests.factories import AccountFactory
from accounts.tests.test_locking import race


@pytest.fixture
def entry(reference_data):
    return todo_create(
        type_code="PAYUPLOAD",
        subject="Upload row 7: account not found",
        account=AccountFactory(),
        source="payments.Tender:7",
    )


def kinds(entry) -> list[str]:
    return list(ToDoLog.objects.filter(entry=entry).order_by("pk").values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_csr_assigns_an_open_entry_to_themselves(entry, make_user):
    """The entry shows as theirs, being worked, and the log says who took it."""
    csr = make_user("CSR")
    todo_assign(todo=entry, user=csr)
    entry.refresh_from_db()
    assert entry.assigned_to == csr and entry.status == ToDoEntry.Status.BEING_WORKED
    row = ToDoLog.objects.get(entry=entry)
    assert (row.kind, row.user) == ("assigned", csr)
    # Taking it again is harmless: no second log row.
    todo_assign(todo=entry, user=csr)
    assert kinds(entry) == ["assigned"]


@pytest.mark.django_db
def test_a_csr_cannot_take_an_entry_another_csr_has(entry, make_user):
    first, second = make_user("CSR", "ann"), make_user("CSR", "bob")
    todo_assign(todo=entry, user=first)
    with pytest.raises(ValidationError, match="already assigned to ann"):
        todo_assign(todo=entry, user=second)
    entry.refresh_from_db()
    assert entry.assigned_to == first


@pytest.mark.django_db
def test_only_a_supervisor_reassigns(entry, make_user):
    """seed 003 step 7.5: the supervisor tracks entries and hands them on; a CSR may not."""
    csr, other = make_user("CSR", "ann"), make_user("CSR", "bob")
    supervisor = make_user("Supervisor")
    todo_assign(todo=entry, user=csr)
    with pytest.raises(PermissionDenied):
        todo_reassign(todo=entry, user=csr, to_user=other)
    todo_reassign(todo=entry, user=supervisor, to_user=other)
    entry.refresh_from_db()
    assert entry.assigned_to == other
    row = ToDoLog.objects.filter(entry=entry, kind="reassigned").get()
    assert row.user == supervisor and row.assigned_to == other
    assert row.text == "From ann to bob."


@pytest.mark.django_db
def test_an_entry_goes_only_to_someone_who_works_entries(entry, make_user, django_user_model):
    supervisor = make_user("Supervisor")
    outsider = django_user_model.objects.create_user("viewer")
    with pytest.raises(ValidationError, match="Choose a user who works To Do entries"):
        todo_reassign(todo=entry, user=supervisor, to_user=outsider)


@pytest.mark.django_db
def test_a_comment_is_logged_with_its_author(entry, make_user):
    csr = make_user("CSR")
    with pytest.raises(ValidationError, match="Write a comment"):
        todo_comment(todo=entry, user=csr, text="   ")
    todo_comment(todo=entry, user=csr, text="Called the bank; waiting for the lockbox file.")
    row = ToDoLog.objects.get(entry=entry)
    assert (row.kind, row.user, row.text) == (
        "comment",
        csr,
        "Called the bank; waiting for the lockbox file.",
    )


@pytest.mark.django_db
def test_completing_needs_a_resolution_and_closes_the_entry(entry, make_user):
    """seed 003 steps 8.2-8.3: the CSR completes the entry with a comment for the record;
    nothing more can be done to it afterwards."""
    csr = make_user("CSR")
    with pytest.raises(ValidationError, match="Say how the entry was resolved"):
        todo_complete(todo=entry, user=csr, resolution="")
    todo_complete(todo=entry, user=csr, resolution="Re-keyed the account number; posted.")
    entry.refresh_from_db()
    assert entry.status == ToDoEntry.Status.COMPLETE
    assert entry.completed_by == csr and entry.assigned_to == csr and entry.completed_at
    assert ToDoLog.objects.get(entry=entry, kind="completed").text.startswith("Re-keyed")
    for step in (
        lambda: todo_assign(todo=entry, user=csr),
        lambda: todo_comment(todo=entry, user=csr, text="late"),
        lambda: todo_complete(todo=entry, user=csr, resolution="again"),
    ):
        with pytest.raises(ValidationError, match="already complete"):
            step()


@pytest.mark.django_db
def test_a_csr_cannot_complete_another_csrs_entry_but_a_supervisor_can(entry, make_user):
    ann, bob, supervisor = make_user("CSR", "ann"), make_user("CSR", "bob"), make_user("Supervisor")
    todo_assign(todo=entry, user=ann)
    with pytest.raises(ValidationError, match="only they or a supervisor"):
        todo_complete(todo=entry, user=bob, resolution="done")
    todo_complete(todo=entry, user=supervisor, resolution="Closed for ann.")
    entry.refresh_from_db()
    assert entry.completed_by == supervisor and entry.assigned_to == ann


@pytest.mark.django_db
def test_users_without_the_work_permission_change_nothing(entry, django_user_model):
    viewer = django_user_model.objects.create_user("viewer")
    for step in (
        lambda: todo_assign(todo=entry, user=viewer),
        lambda: todo_comment(todo=entry, user=viewer, text="hi"),
        lambda: todo_complete(todo=entry, user=viewer, resolution="x"),
    ):
        with pytest.raises(PermissionDenied):
            step()
    assert not ToDoLog.objects.exists()


@pytest.mark.django_db
def test_a_process_completes_an_entry_without_a_user(entry):
    """Batch processes complete entries too (no user, no resolution asked)."""
    todo = todo_complete(todo=entry)
    assert todo.status == ToDoEntry.Status.COMPLETE and todo.completed_by is None


@pytest.mark.django_db
def test_opening_an_account_again_moves_it_to_the_top_without_a_new_row(make_user):
    csr = make_user("CSR")
    first, second = AccountFactory(), AccountFactory()
    account_open_record(user=csr, account=first)
    account_open_record(user=csr, account=second)
    account_open_record(user=csr, account=first)
    rows = list(AccountOpen.objects.filter(user=csr).order_by("-opened_at"))
    assert [r.account_id for r in rows] == [first.pk, second.pk]


@pytest.mark.django_db(transaction=True)
def test_two_csrs_assigning_the_same_entry_at_once_one_gets_it(entry, make_user, monkeypatch):
    """Two connections take the entry at the same moment: the row lock makes the second
    wait and see the first one's assignment, so exactly one CSR has it and the log shows
    one assignment. (The pause after reading lets both read before either writes, which
    without the lock would let both 'win'.)"""
    ann, bob = make_user("CSR", "ann"), make_user("CSR", "bob")
    read = work._locked

    def slow_read(todo):
        current = read(todo)
        time.sleep(0.3)
        return current

    monkeypatch.setattr(work, "_locked", slow_read)
    outcomes = race(
        lambda: todo_assign(todo=entry, user=ann),
        lambda: todo_assign(todo=entry, user=bob),
    )
    assert sorted(o[0] for o in outcomes) == ["error", "ok"]
    loser = next(o[1] for o in outcomes if o[0] == "error")
    assert "already assigned" in str(loser)
    assert ToDoLog.objects.filter(entry=entry, kind="assigned").count() == 1
    winner = ToDoLog.objects.get(entry=entry).user
    assert ToDoEntry.objects.get(pk=entry.pk).assigned_to == winner
