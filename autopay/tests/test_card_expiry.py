"""Cards on file that expire (issue 10 item 6; seed 001 step 1.5): `autopay_card_expiry`
warns 30 days ahead, once per expiry date, and stops autopay on expired cards."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import CustomerEmail, ToDoEntry
from autopay.models import Enrollment
from autopay.services.enrollment import autopay_change

from .factories import card_enrollment, draft_enrollment

DAY = dt.date(2026, 11, 2)


def run(day: dt.date = DAY) -> None:
    call_command(
        "runbatch", "autopay_card_expiry", "--date", day.isoformat(), "--force",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip


def test_a_card_expiring_within_30_days_gets_one_notice(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    card = card_enrollment(account, card_expires_on=dt.date(2026, 11, 30))
    with django_capture_on_commit_callbacks(execute=True):
        run()
        run()
        run(DAY + dt.timedelta(days=1))
    (message,) = mail.outbox
    assert message.to == ["jane@example.com"]
    assert "11/2026" in message.subject and "\u20224242" in message.body
    card.refresh_from_db()
    assert card.expiry_notice_sent_on == DAY and card.expiry_notice_for == card.card_expires_on
    assert card.stopped_on is None


def test_a_card_expiring_later_or_a_draft_gets_nothing(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    from accounts.tests.factories import AccountFactory

    card_enrollment(account, card_expires_on=dt.date(2026, 12, 31))  # 59 days away
    draft_enrollment(AccountFactory())
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert mail.outbox == []


def test_a_new_card_resets_the_notice_so_its_own_expiry_is_announced(
    account, autopay_reference, csr, django_capture_on_commit_callbacks
):
    card = card_enrollment(account, card_expires_on=dt.date(2026, 11, 30))
    with django_capture_on_commit_callbacks(execute=True):
        run()
    # The customer gives a new card (sandbox token: Mastercard 4444 expiring 06/2029).
    card = autopay_change(
        enrollment=card, user=csr, data={"card_token": "sbx_approve_mastercard_4444_0629"}
    )
    assert card.expiry_notice_sent_on is None and card.expiry_notice_for is None
    assert card.card_expires_on == dt.date(2029, 6, 30)
    with django_capture_on_commit_callbacks(execute=True):
        run(dt.date(2029, 6, 5))
    assert len(mail.outbox) == 2 and "4444" in mail.outbox[1].body


def test_an_expired_card_stops_autopay_with_reason_card_expired_once(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    card = card_enrollment(account, card_expires_on=dt.date(2026, 10, 31))
    with django_capture_on_commit_callbacks(execute=True):
        run()
        run()
    card.refresh_from_db()
    assert card.stopped_on == DAY and card.stop_reason == Enrollment.StopReason.CARD_EXPIRED
    assert card.stopped_by is None and "10/2026" in card.stop_comment
    (message,) = mail.outbox
    assert "stopped" in message.subject
    # The stop is in the account's change history, like a CSR's.
    from accounts.models import ChangeRecord

    assert ChangeRecord.objects.filter(account=account).exists()


def test_a_card_that_expires_on_the_business_date_is_warned_not_stopped(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    card = card_enrollment(account, card_expires_on=DAY)
    with django_capture_on_commit_callbacks(execute=True):
        run()
    card.refresh_from_db()
    assert card.stopped_on is None and card.expiry_notice_for == DAY


def test_without_an_email_a_todo_asks_a_csr_to_get_a_new_card(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    CustomerEmail.objects.all().delete()
    card_enrollment(account, card_expires_on=dt.date(2026, 11, 30))
    with django_capture_on_commit_callbacks(execute=True):
        run()
        run()
    assert mail.outbox == []
    todo = ToDoEntry.objects.get()
    assert todo.todo_type.code == "TD-APCEX" and todo.account == account


@pytest.mark.parametrize("stopped", [True, False])
def test_stopped_or_ended_card_enrollments_are_left_alone(
    account, autopay_reference, stopped, django_capture_on_commit_callbacks
):
    fields = (
        {"stopped_on": dt.date(2026, 10, 1), "stop_reason": "customer"}
        if stopped
        else {"end_on": dt.date(2026, 10, 31)}
    )
    card = card_enrollment(account, card_expires_on=dt.date(2026, 10, 31), **fields)
    with django_capture_on_commit_callbacks(execute=True):
        run()
    card.refresh_from_db()
    assert mail.outbox == [] and card.stop_reason == ("customer" if stopped else "")
