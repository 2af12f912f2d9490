"""Advance notices of varying autopay amounts (Reg E 1005.10(d); issue 10 item 4): the job
`autopay_advance_notices` emails the amount and debit date with a PDF, once."""

import datetime as dt
import io
import subprocess
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import CustomerEmail, ToDoEntry
from autopay.models import Clearing

from .factories import card_enrollment, clearing_posted, draft_enrollment

DAY = dt.date(2026, 11, 2)


def run(day: dt.date = DAY) -> None:
    call_command(
        "runbatch", "autopay_advance_notices", "--date", day.isoformat(), "--force",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip


def pending(enrollment, amount="87.45", *, debit_on, **fields) -> Clearing:
    """A clearing record as bill completion stores it (seed 001 step 2.8), notice due."""
    fields.setdefault("notice_due", True)
    return Clearing.objects.create(
        enrollment=enrollment,
        account_id=enrollment.account_id,
        kind=enrollment.kind,
        amount=Decimal(amount),
        extract_on=debit_on - dt.timedelta(days=2),
        gl_distribution_on=debit_on,
        payment_on=debit_on - dt.timedelta(days=2),
        **fields,
    )


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


@pytest.fixture
def drafted(account, autopay_reference):
    return draft_enrollment(account, notify_in_advance=True)


def test_the_notice_is_emailed_with_a_pdf_giving_amount_debit_date_masked_bank_and_how_to_stop(
    drafted, django_capture_on_commit_callbacks
):
    clearing = pending(drafted, debit_on=DAY + dt.timedelta(days=12))
    with django_capture_on_commit_callbacks(execute=True):
        run()
    (message,) = mail.outbox
    assert message.to == ["jane@example.com"]
    assert "$87.45" in message.subject and "11/14/2026" in message.subject
    assert "$87.45" in message.body and "stop" in message.body
    (name, pdf, mimetype) = message.attachments[0]
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    text = pdf_text(pdf)
    assert "$87.45" in text and "11/14/2026" in text and "1000000042" in text
    assert "\u20226789" in text and "000123456789" not in text  # masked, never in clear
    assert "How to stop this payment" in text
    clearing.refresh_from_db()
    assert clearing.notice_sent_at is not None
    assert (clearing.notice_via, clearing.notice_sent_to) == ("email", "jane@example.com")
    assert not clearing.notice_late and not ToDoEntry.objects.exists()


def test_a_rerun_or_the_next_night_sends_nothing_twice(drafted, django_capture_on_commit_callbacks):
    pending(drafted, debit_on=DAY + dt.timedelta(days=12))
    with django_capture_on_commit_callbacks(execute=True):
        run()
        run()
        run(DAY + dt.timedelta(days=1))
    assert len(mail.outbox) == 1


def test_a_notice_with_fewer_than_ten_days_left_is_still_sent_marked_late_with_a_todo(
    drafted, django_capture_on_commit_callbacks
):
    clearing = pending(drafted, debit_on=DAY + dt.timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert len(mail.outbox) == 1
    clearing.refresh_from_db()
    assert clearing.notice_late
    todo = ToDoEntry.objects.get()
    assert todo.todo_type.code == "TD-APNTC" and todo.account == drafted.account
    assert "late" in todo.subject and todo.source == f"autopay.Clearing:{clearing.pk}"


def test_without_an_email_on_file_a_todo_asks_for_the_notice_to_be_mailed(
    drafted, django_capture_on_commit_callbacks
):
    CustomerEmail.objects.all().delete()
    clearing = pending(drafted, debit_on=DAY + dt.timedelta(days=15))
    with django_capture_on_commit_callbacks(execute=True):
        run()
        run()
    assert mail.outbox == []
    clearing.refresh_from_db()
    assert clearing.notice_via == "mail" and clearing.notice_sent_at is not None
    todo = ToDoEntry.objects.get()
    assert "Mail the autopay advance notice" in todo.subject and "$87.45" in todo.subject


def test_no_notice_when_none_is_due_or_the_debit_is_cancelled_or_past(
    drafted, django_capture_on_commit_callbacks
):
    pending(drafted, debit_on=DAY + dt.timedelta(days=12), notice_due=False)
    gone = pending(drafted, "10.00", debit_on=DAY + dt.timedelta(days=12))
    gone.cancel()
    gone.save()
    pending(drafted, "11.00", debit_on=DAY - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert mail.outbox == []


def test_a_frozen_card_autopay_is_announced_and_the_ledger_stays_clean(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    enrollment = card_enrollment(account, notify_in_advance=True)
    with django_capture_on_commit_callbacks(execute=True):
        clearing = clearing_posted(
            enrollment,
            "100.00",
            extract_on=DAY + dt.timedelta(days=10),
            gl_distribution_on=DAY + dt.timedelta(days=11),
            notice_due=True,
        )
        run()
    (message,) = mail.outbox
    text = pdf_text(message.attachments[0][1])
    assert "visa card \u2022\u2022\u2022\u20224242" in text and "$100.00" in text
    clearing.refresh_from_db()
    assert clearing.status == Clearing.Status.FROZEN and clearing.notice_sent_at
    call_command("check_ledger", stdout=io.StringIO())


def test_an_email_that_fails_to_send_becomes_a_todo(drafted, django_capture_on_commit_callbacks):
    pending(drafted, debit_on=DAY + dt.timedelta(days=12))
    failing = mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down"))
    with failing, django_capture_on_commit_callbacks(execute=True):
        run()
    todo = ToDoEntry.objects.get()
    assert "failed" in todo.subject and "smtp down" in todo.detail
