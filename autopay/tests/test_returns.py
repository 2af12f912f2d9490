"""ACH returns (issue 10 item 5; seed 001 steps 5.0-5.4; seed 003 steps 4.1-4.4): a return
undoes exactly its autopay payment, with the fee, stops and re-presentments its code asks
for; anything that matches nothing becomes an exception with a To Do."""

import datetime as dt
from decimal import Decimal as D
from itertools import count

import pytest
from django.core.management import call_command

from accounts.models import Adjustment, CreditRatingEvent, ToDoEntry
from autopay.models import AchInboundEntry, AchInboundFile, Clearing
from autopay.services.dates import add_banking_days
from autopay.services.returns import ach_file_import
from payments.models import Payment

from .achfiles import Back, back, return_file, sample
from .factories import clearing_posted, draft_enrollment

pytestmark = pytest.mark.django_db
RETURNED_ON = dt.date(2026, 2, 3)  # a Tuesday
_traces = count(1)


def extracted(enrollment, amount="100.00", *, settles_on=dt.date(2026, 1, 22), **fields):
    return clearing_posted(
        enrollment,
        amount,
        extract_on=settles_on - dt.timedelta(days=2),
        gl_distribution_on=settles_on,
        status=Clearing.Status.EXTRACTED,
        trace_number=fields.pop("trace_number", f"07100050{next(_traces):07d}"),
        **fields,
    )


def imported(data: bytes, *, today=RETURNED_ON, name="returns.ach", capture=None):
    if capture is None:
        return ach_file_import(name=name, data=data, today=today)
    with capture(execute=True):
        return ach_file_import(name=name, data=data, today=today)


def test_nsf_return_cancels_the_tender_levies_the_fee_and_presents_the_entry_again(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    """R01: the tender is cancelled with the NSF reason (fee, credit rating, cash-only
    points, collection review), the clearing is returned, and a re-presentment for the
    same amount is frozen for the next banking day with its own autopay payment."""
    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    # when
    result = imported(
        return_file([back(clearing, "R01")]), capture=django_capture_on_commit_callbacks
    )
    # then
    assert (result.returns_applied, result.representments, result.stops) == (1, 1, 0)
    clearing.refresh_from_db()
    assert (clearing.status, clearing.return_code, clearing.returned_on) == (
        "returned",
        "R01",
        RETURNED_ON,
    )
    clearing.tender.refresh_from_db()
    assert clearing.tender.status == "cancelled"
    assert clearing.tender.cancel_reason.code == "NSF"
    assert Payment.objects.get(pk=clearing.payment_id).status == "cancelled"
    fee = Adjustment.objects.get(sa__account=account, adjustment_type__code="NSF")
    assert fee.amount == D("25.00")
    assert CreditRatingEvent.objects.filter(account=account, cash_only_points=25).exists()
    assert ToDoEntry.objects.filter(account=account, todo_type__code="COLLREVIEW").exists()
    again = Clearing.objects.get(represents=clearing)
    assert (again.presentment, again.amount, again.status) == (2, D("100.00"), "frozen")
    assert again.extract_on == add_banking_days(RETURNED_ON, 1)
    assert again.extract_on <= again.gl_distribution_on
    assert again.bill_id == clearing.bill_id and again.enrollment_id == enrollment.pk
    assert again.payment.status == "frozen"
    assert again.tender.external_id == f"AUTOPAY-{again.pk}"
    assert again.tender.event.tender_source.code == "AUTOPAY"
    assert again.payment.accounting_date == again.gl_distribution_on
    enrollment.refresh_from_db()
    assert enrollment.stopped_on is None  # one NSF does not stop autopay
    account.refresh_from_db()
    assert account.balance == D("25.00")  # the debt is paid again; the fee is owed
    entry = AchInboundEntry.objects.get()
    assert (entry.outcome, entry.clearing_id, entry.code) == ("applied", clearing.pk, "R01")
    call_command("check_ledger")


def test_an_nsf_entry_is_presented_again_at_most_twice(
    account, autopay_reference, django_capture_on_commit_callbacks, settings
):
    """NACHA: an entry returned NSF may be presented twice more; the third return stops
    the chain (re-presentments of one entry count as one NSF item for the NSF stop)."""
    clearing = extracted(draft_enrollment(account))
    presented = [clearing]
    for n in range(3):
        imported(
            return_file([back(presented[-1], "R09")]),
            name=f"r{n}.ach",
            capture=django_capture_on_commit_callbacks,
        )
        again = Clearing.objects.filter(represents=clearing, presentment=n + 2).first()
        if again is None:
            break
        Clearing.objects.filter(pk=again.pk).update(
            status=Clearing.Status.EXTRACTED, trace_number=f"07100050{9000000 + n:07d}"
        )
        again.refresh_from_db()
        presented.append(again)
    assert [c.presentment for c in presented] == [1, 2, 3]
    assert all(c.represents_id == clearing.pk for c in presented[1:])
    statuses = set(Clearing.objects.filter(account=account).values_list("status", flat=True))
    assert statuses == {"returned"}
    assert Adjustment.objects.filter(sa__account=account, adjustment_type__code="NSF").count() == 3
    assert account.autopays.get().stopped_on is None
    call_command("check_ledger")


def test_no_representment_past_180_days_of_the_original_entry(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    clearing = extracted(draft_enrollment(account), settles_on=dt.date(2026, 1, 22))
    late = dt.date(2026, 1, 22) + dt.timedelta(days=181)
    result = imported(
        return_file([back(clearing, "R01")]),
        today=late,
        capture=django_capture_on_commit_callbacks,
    )
    assert (result.returns_applied, result.representments) == (1, 0)
    assert not Clearing.objects.filter(represents=clearing).exists()
    call_command("check_ledger")


def test_second_nsf_item_within_twelve_months_stops_autopay(
    account, autopay_reference, django_capture_on_commit_callbacks, settings
):
    """OPENCIS_AUTOPAY_NSF_STOP_COUNT (2) distinct entries returned NSF within
    OPENCIS_AUTOPAY_NSF_MONTHS (12): autopay stops (reason NSF) and nothing is presented
    again."""
    enrollment = draft_enrollment(account)
    january = extracted(enrollment, "40.00", settles_on=dt.date(2026, 1, 22))
    february = extracted(enrollment, "60.00", settles_on=dt.date(2026, 2, 20))
    imported(return_file([back(january, "R01")]), name="jan.ach", today=dt.date(2026, 1, 26))
    # when
    result = imported(
        return_file([back(february, "R01")]),
        name="feb.ach",
        today=dt.date(2026, 2, 24),
        capture=django_capture_on_commit_callbacks,
    )
    # then
    assert (result.stops, result.representments) == (1, 0)
    enrollment.refresh_from_db()
    assert (enrollment.stopped_on, enrollment.stop_reason) == (dt.date(2026, 2, 24), "nsf")
    assert not Clearing.objects.filter(represents=february).exists()
    call_command("check_ledger")


def test_nsf_stop_count_is_configurable(
    account, autopay_reference, django_capture_on_commit_callbacks, settings
):
    settings.OPENCIS_AUTOPAY_NSF_STOP_COUNT = 1
    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    result = imported(
        return_file([back(clearing, "R01")]), capture=django_capture_on_commit_callbacks
    )
    assert (result.stops, result.representments) == (1, 0)
    enrollment.refresh_from_db()
    assert enrollment.stop_reason == "nsf"


def test_nsf_returns_older_than_the_window_do_not_count(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    enrollment = draft_enrollment(account)
    old = extracted(enrollment, "40.00", settles_on=dt.date(2026, 1, 22))
    new = extracted(enrollment, "60.00", settles_on=dt.date(2027, 2, 22))
    imported(return_file([back(old, "R01")]), name="old.ach", today=dt.date(2026, 1, 26))
    imported(
        return_file([back(new, "R01")]),
        name="new.ach",
        today=dt.date(2027, 2, 24),
        capture=django_capture_on_commit_callbacks,
    )
    enrollment.refresh_from_db()
    assert enrollment.stopped_on is None


@pytest.mark.parametrize(
    ("code", "stop_reason", "cancel_reason"),
    [
        ("R02", "bank_invalid", "ACHINVALID"),
        ("R03", "bank_invalid", "ACHINVALID"),
        ("R04", "bank_invalid", "ACHINVALID"),
        ("R05", "unauthorized", "ACHUNAUTH"),
        ("R07", "unauthorized", "ACHUNAUTH"),
        ("R10", "unauthorized", "ACHUNAUTH"),
        ("R11", "unauthorized", "ACHUNAUTH"),
        ("R29", "unauthorized", "ACHUNAUTH"),
        ("R51", "unauthorized", "ACHUNAUTH"),
    ],
)
def test_invalid_account_and_unauthorized_returns_cancel_and_stop_autopay(
    account, autopay_reference, django_capture_on_commit_callbacks, code, stop_reason, cancel_reason
):
    """R02/R03/R04: bank account invalid; R05/R07/R10/R11/R29/R51: unauthorized. The tender
    is cancelled (no NSF fee), autopay stops with the rule's reason, nothing is presented
    again."""
    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    result = imported(
        return_file([back(clearing, code)]), capture=django_capture_on_commit_callbacks
    )
    assert (result.returns_applied, result.stops, result.representments) == (1, 1, 0)
    clearing.refresh_from_db()
    assert (clearing.status, clearing.return_code) == ("returned", code)
    clearing.tender.refresh_from_db()
    assert clearing.tender.cancel_reason.code == cancel_reason
    enrollment.refresh_from_db()
    assert (enrollment.stopped_on, enrollment.stop_reason) == (RETURNED_ON, stop_reason)
    assert not Adjustment.objects.filter(sa__account=account).exists()
    assert not Clearing.objects.filter(represents=clearing).exists()
    account.refresh_from_db()
    assert account.balance == D("100.00")
    call_command("check_ledger")


def test_a_code_missing_from_the_table_applies_the_fallback_rule_and_is_flagged(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    """R12 is a NACHA code our table does not list: it is applied with the fallback rule
    (cancel, no stop) and a To Do asks a person to look."""
    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    result = imported(
        return_file([back(clearing, "R12")]), capture=django_capture_on_commit_callbacks
    )
    assert (result.returns_applied, result.flagged, result.stops) == (1, 1, 0)
    clearing.refresh_from_db()
    assert clearing.status == "returned"
    clearing.tender.refresh_from_db()
    assert clearing.tender.cancel_reason.code == "ACHRETURN"
    todo = ToDoEntry.objects.get(todo_type__code="ACHRETURN")
    assert "R12" in todo.subject and todo.account_id == account.pk
    enrollment.refresh_from_db()
    assert enrollment.stopped_on is None
    call_command("check_ledger")


def test_returns_that_match_nothing_become_exceptions_with_a_to_do(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    """Unknown trace, an amount that is not the entry's, an entry already cancelled:
    each is recorded as an exception with a To Do; nothing is cancelled."""
    enrollment = draft_enrollment(account)
    wrong_amount = extracted(enrollment, "100.00")
    cancelled = extracted(enrollment, "30.00")
    Clearing.objects.filter(pk=cancelled.pk).update(status=Clearing.Status.CANCELLED)
    unknown = Back(trace="071000509999999", code="R01", amount=D("12.34"))
    data = return_file([unknown, back(wrong_amount, "R01", amount="99.00"), back(cancelled, "R01")])
    # when
    result = imported(data, capture=django_capture_on_commit_callbacks)
    # then
    assert (result.returns_applied, result.exceptions) == (0, 3)
    entries = list(AchInboundEntry.objects.order_by("line_number"))
    assert [e.outcome for e in entries] == ["exception"] * 3
    assert "no autopay entry has trace number 071000509999999" in entries[0].message
    assert "amount 99.00" in entries[1].message
    assert "cancelled, not extracted" in entries[2].message
    todos = ToDoEntry.objects.filter(todo_type__code="ACHRETURN")
    assert todos.count() == 3
    assert all(t.account_id == account.pk for t in todos)  # found by our account number
    wrong_amount.refresh_from_db()
    assert wrong_amount.status == "extracted"
    assert AchInboundFile.objects.get().exceptions == 3
    call_command("check_ledger")


def test_the_same_file_read_twice_changes_nothing(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    clearing = extracted(draft_enrollment(account))
    data = return_file([back(clearing, "R01")])
    imported(data, capture=django_capture_on_commit_callbacks)
    before = (Clearing.objects.count(), Adjustment.objects.count(), ToDoEntry.objects.count())
    # when
    again = imported(data, name="returns-again.ach", capture=django_capture_on_commit_callbacks)
    # then
    assert again.already_imported
    assert "already imported" in again.lines()[0] and "nothing changed" in again.lines()[0]
    after = (Clearing.objects.count(), Adjustment.objects.count(), ToDoEntry.objects.count())
    assert before == after
    assert AchInboundFile.objects.count() == 1 and AchInboundEntry.objects.count() == 1
    call_command("check_ledger")


def test_the_same_return_in_another_file_is_a_duplicate(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    clearing = extracted(draft_enrollment(account))
    imported(return_file([back(clearing, "R02")]), capture=django_capture_on_commit_callbacks)
    # when: the bank sends it again in a file of another day (other bytes)
    later = return_file([back(clearing, "R02")], created=dt.datetime(2026, 2, 4, 9, 0))
    result = imported(later, name="later.ach", capture=django_capture_on_commit_callbacks)
    # then
    assert (result.duplicates, result.returns_applied, result.exceptions) == (1, 0, 0)
    dup = AchInboundEntry.objects.get(outcome="duplicate")
    assert dup.clearing_id == clearing.pk and "already applied" in dup.message
    assert not ToDoEntry.objects.filter(todo_type__code="ACHRETURN").exists()
    call_command("check_ledger")


def test_real_return_file_is_read_and_its_unmatched_returns_become_exceptions(autopay_reference):
    """moov-io's WEB return file (R01, R03): none of its traces are ours."""
    result = ach_file_import(
        name="moov-return-WEB-R01-R03.ach", data=sample("moov-return-WEB-R01-R03.ach")
    )
    assert (result.returns_applied, result.exceptions) == (0, 2)
    assert list(AchInboundEntry.objects.values_list("code", "original_trace", "line_number")) == [
        ("R01", "091400600000001", 3),
        ("R03", "091400600000003", 7),
    ]


def test_real_bank_returns_with_short_lines_are_read_leniently(autopay_reference):
    result = ach_file_import(
        name="issue702.ach", data=sample("moov-issue702-realworld-returns.ach")
    )
    assert result.exceptions == len(AchInboundEntry.objects.all()) > 0
    assert {e.code for e in AchInboundEntry.objects.all()} >= {"R01", "R03", "R04"}
    assert result.warnings  # the padded short records are reported


def test_a_real_empty_return_file_is_recorded_with_nothing_to_do(autopay_reference):
    result = ach_file_import(name="fiserv.ach", data=sample("moov-fiserv-zero-return-file.ach"))
    assert (result.returns_applied, result.exceptions, result.already_imported) == (0, 0, False)
    assert AchInboundFile.objects.count() == 1


def test_a_manual_tender_cancel_cancels_the_clearing_and_stops_autopay(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    """A CSR cancels an autopay tender by hand with a reason that stops autopay: the
    clearing follows (cancelled) and the enrollment stops."""
    from payments.models import PaymentCancelReason
    from payments.services.cancel import tender_cancel

    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    with django_capture_on_commit_callbacks(execute=True):
        tender_cancel(
            tender=clearing.tender, reason=PaymentCancelReason.objects.get(code="ACHUNAUTH")
        )
    clearing.refresh_from_db()
    assert clearing.status == "cancelled"
    enrollment.refresh_from_db()
    assert enrollment.stop_reason == "unauthorized"
    # and the bank's return that follows is an exception, not a second cancellation
    result = imported(return_file([back(clearing, "R10")]))
    assert result.exceptions == 1
    call_command("check_ledger")


def test_a_manual_nsf_cancel_cancels_the_clearing_without_stopping(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    from payments.models import PaymentCancelReason
    from payments.services.cancel import tender_cancel

    enrollment = draft_enrollment(account)
    clearing = extracted(enrollment)
    with django_capture_on_commit_callbacks(execute=True):
        tender_cancel(tender=clearing.tender, reason=PaymentCancelReason.objects.get(code="NSF"))
    clearing.refresh_from_db()
    assert clearing.status == "cancelled"
    enrollment.refresh_from_db()
    assert enrollment.stopped_on is None


def test_a_refused_representment_leaves_the_return_applied_and_raises_a_to_do(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    """The account turned cash only (cash-only score at the threshold): the bank draft
    cannot be taken again, so a person is asked instead."""
    clearing = extracted(draft_enrollment(account))
    CreditRatingEvent.objects.create(
        account=account, cash_only_points=100, reason="test", effective_on=dt.date(2026, 2, 1)
    )
    result = imported(
        return_file([back(clearing, "R01")]), capture=django_capture_on_commit_callbacks
    )
    assert (result.returns_applied, result.representments) == (1, 0)
    assert not Clearing.objects.filter(represents=clearing).exists()
    todo = ToDoEntry.objects.get(todo_type__code="ACHRETURN")
    assert "could not be presented again" in todo.subject
    assert "cash only" in todo.detail
    assert "not presented again" in AchInboundEntry.objects.get().message
    call_command("check_ledger")
