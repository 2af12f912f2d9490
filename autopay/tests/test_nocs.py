"""Notifications of change (COR, addenda 98): the bank's corrections reach the enrollment
(with its change history and a note) before the next extract reads it."""

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.models import ChangeRecord, Note, ToDoEntry
from autopay.models import AchInboundEntry, Clearing
from autopay.nacha import NachaFormatError
from autopay.services.returns import ach_file_import

from .achfiles import back, corrected_c03, corrected_c06, corrected_c07, noc_file, sample
from .factories import clearing_posted, draft_enrollment

pytestmark = pytest.mark.django_db
NEW_ROUTING = "091000019"


def extracted(enrollment, trace="071000500000001"):
    return clearing_posted(
        enrollment,
        "100.00",
        extract_on=dt.date(2026, 1, 20),
        gl_distribution_on=dt.date(2026, 1, 22),
        status=Clearing.Status.EXTRACTED,
        trace_number=trace,
    )


def history(enrollment) -> dict[str, tuple[str, str]]:
    rows = ChangeRecord.objects.filter(object_id=enrollment.pk, action="updated").exclude(field="")
    return {r.field: (r.old_value, r.new_value) for r in rows}


@pytest.mark.parametrize(
    ("code", "corrected", "expected"),
    [
        ("C01", "987654321", {"bank_account_number": "987654321"}),
        ("C02", NEW_ROUTING, {"routing_number": NEW_ROUTING}),
        (
            "C03",
            corrected_c03(NEW_ROUTING, "55554444"),
            {"routing_number": NEW_ROUTING, "bank_account_number": "55554444"},
        ),
        ("C05", "37", {"bank_account_type": "savings"}),
        (
            "C06",
            corrected_c06("11112222", 32),
            {"bank_account_number": "11112222", "bank_account_type": "savings"},
        ),
        (
            "C07",
            corrected_c07(NEW_ROUTING, "33334444", 37),
            {
                "routing_number": NEW_ROUTING,
                "bank_account_number": "33334444",
                "bank_account_type": "savings",
            },
        ),
    ],
)
def test_a_noc_corrects_the_enrollment_with_history_and_a_note(
    account, autopay_reference, code, corrected, expected
):
    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    # when
    result = ach_file_import(
        name="noc.ach", data=noc_file([back(clearing, code, corrected=corrected)])
    )
    # then
    assert (result.changes_applied, result.exceptions) == (1, 0)
    enrollment.refresh_from_db()
    for name, value in expected.items():
        assert getattr(enrollment, name) == value
    if "bank_account_number" in expected:
        assert enrollment.bank_account_last4 == expected["bank_account_number"][-4:]
    changed = history(enrollment)
    assert set(changed) == set(expected)
    if "bank_account_number" in changed:
        old, new = changed["bank_account_number"]
        assert expected["bank_account_number"] not in new  # masked in the history
    note = Note.objects.get(account=account)
    assert f"NOC {code}" in note.subject
    entry = AchInboundEntry.objects.get()
    assert (entry.kind, entry.outcome, entry.clearing_id) == ("change", "applied", clearing.pk)
    assert "987654321" not in str(entry.corrected_data)  # kept masked
    clearing.refresh_from_db()
    assert clearing.status == "extracted"  # a NOC moves no money
    call_command("check_ledger")


def test_a_name_correction_is_recorded_only(account, autopay_reference):
    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    result = ach_file_import(
        name="noc.ach", data=noc_file([back(clearing, "C04", corrected="JANE Q DOE")])
    )
    assert result.changes_applied == 1
    entry = AchInboundEntry.objects.get()
    assert entry.corrected_data["individual_name"] == "JANE Q DOE"
    assert "recorded only" in entry.message
    assert not history(enrollment)


def test_corrected_data_we_cannot_take_is_an_exception_with_a_to_do(account, autopay_reference):
    """A corrected account number with letters passes the NACHA field rules but not ours
    (4-17 digits): nothing changes, a person is asked."""
    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    result = ach_file_import(
        name="noc.ach", data=noc_file([back(clearing, "C01", corrected="ABC-1")])
    )
    assert (result.changes_applied, result.exceptions) == (0, 1)
    enrollment.refresh_from_db()
    assert enrollment.bank_account_number == "000123456789"
    todo = ToDoEntry.objects.get(todo_type__code="ACHRETURN")
    assert "C01" in todo.subject and todo.account_id == account.pk


def test_a_noc_for_an_unknown_trace_is_an_exception(autopay_reference):
    """moov-io's COR sample (C01): its original trace is not ours."""
    result = ach_file_import(name="cor.ach", data=sample("moov-cor-C01.ach"))
    assert (result.changes_applied, result.exceptions) == (0, 1)
    entry = AchInboundEntry.objects.get()
    assert (entry.kind, entry.code, entry.outcome) == ("change", "C01", "exception")
    assert ToDoEntry.objects.filter(todo_type__code="ACHRETURN").count() == 1


def test_an_invalid_noc_code_rejects_the_file_naming_the_line(autopay_reference):
    with pytest.raises(NachaFormatError) as raised:
        ach_file_import(name="c92.ach", data=sample("moov-noc-C92-invalid.ach"))
    assert raised.value.line == 4 and "C92" in str(raised.value)
    assert not AchInboundEntry.objects.exists()


def test_the_same_noc_again_is_a_duplicate(account, autopay_reference):
    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    ach_file_import(name="a.ach", data=noc_file([back(clearing, "C02", corrected=NEW_ROUTING)]))
    later = noc_file(
        [back(clearing, "C02", corrected=NEW_ROUTING)], created=dt.datetime(2026, 2, 5, 8, 0)
    )
    result = ach_file_import(name="b.ach", data=later)
    assert (result.duplicates, result.changes_applied) == (1, 0)
    assert Note.objects.filter(account=account).count() == 1


def test_a_noc_already_applied_for_another_entry_changes_nothing_more(account, autopay_reference):
    """The bank sends the same correction for the next entry too (extracted before the
    first NOC arrived): applied, nothing left to change, no second note."""
    enrollment = draft_enrollment(account)
    first = extracted(enrollment, trace="071000500000001")
    second = clearing_posted(
        enrollment,
        "50.00",
        extract_on=dt.date(2026, 2, 18),
        gl_distribution_on=dt.date(2026, 2, 20),
        status=Clearing.Status.EXTRACTED,
        trace_number="071000500000002",
    )
    ach_file_import(name="a.ach", data=noc_file([back(first, "C02", corrected=NEW_ROUTING)]))
    result = ach_file_import(
        name="b.ach", data=noc_file([back(second, "C02", corrected=NEW_ROUTING)])
    )
    assert result.changes_applied == 1
    assert "already up to date" in AchInboundEntry.objects.get(clearing=second).message
    assert Note.objects.filter(account=account).count() == 1
