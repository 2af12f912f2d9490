"""What a CSR sees of an account's automatic payments on the panel (issue 10 items 4 and 7):
the clearing records and their advance notices on the Auto Payment sub-tab, the Message
Center's next autopay / return / expiring card, and autopay payments and returns on the
History tab."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.panel import todo_source_link
from autopay.demo import demo_clearing_create, demo_clearing_return
from autopay.models import Clearing
from autopay.services.notices import notice_todo

from .conftest import PASSWORD
from .factories import card_enrollment, clearing_posted, draft_enrollment

TODAY = timezone.localdate()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def tab(client, account, name: str) -> str:
    url = reverse("acp:panel", args=[account.number]) + f"?tab={name}"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def message_center(html: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", html))


@pytest.fixture
def history(account, autopay_reference, django_capture_on_commit_callbacks):
    """Jane's draft autopay: one next month (notice emailed), one extracted with its trace
    number, one returned R01 (NSF) last week."""
    enrollment = draft_enrollment(account, notify_in_advance=True)
    with django_capture_on_commit_callbacks(execute=True):
        upcoming = demo_clearing_create(
            enrollment,
            Decimal("87.45"),
            extract_on=days(12),
            gl_distribution_on=days(14),
            notice_due=True,
        )
        Clearing.objects.filter(pk=upcoming.pk).update(
            notice_sent_at=timezone.now(), notice_via="email", notice_sent_to="jane@example.com"
        )
        paid = clearing_posted(
            enrollment,
            "40.00",
            extract_on=days(-40),
            gl_distribution_on=days(-38),
            status=Clearing.Status.EXTRACTED,
            trace_number="071000500000017",
        )
        bounced = clearing_posted(
            enrollment,
            "60.00",
            extract_on=days(-10),
            gl_distribution_on=days(-8),
            status=Clearing.Status.EXTRACTED,
            trace_number="071000500000042",
        )
        demo_clearing_return(bounced, code="R01", returned_on=days(-5))
    return {"upcoming": upcoming, "paid": paid, "bounced": bounced}


def test_the_auto_payment_sub_tab_lists_the_autopays_with_dates_trace_return_and_notice(
    client, csr, account, history
):
    assert client.login(username=csr.username, password=PASSWORD)
    html = tab(client, account, "customer")
    table = html[html.index('id="autopay-clearings"') :]
    rows = {
        int(pk): row for pk, row in re.findall(r'<tr data-clearing="(\d+)"(.*?)</tr>', table, re.S)
    }
    upcoming = rows[history["upcoming"].pk]
    assert "Pending" in upcoming and "$87.45" in upcoming
    assert days(12).strftime("%m/%d/%Y") in upcoming and days(14).strftime("%m/%d/%Y") in upcoming
    assert "Emailed" in upcoming and "jane@example.com" in upcoming
    paid = rows[history["paid"].pk]
    assert "Extracted" in paid and "071000500000017" in paid and "$40.00" in paid
    bounced = rows[history["bounced"].pk]
    assert "Returned" in bounced and "R01" in bounced and days(-5).strftime("%m/%d/%Y") in bounced
    assert "000123456789" not in html


def test_the_message_center_gives_the_next_autopay_and_the_recent_return(
    client, csr, account, history
):
    assert client.login(username=csr.username, password=PASSWORD)
    lines = message_center(tab(client, account, "customer"))
    assert lines["Automatic payment"] == "Draft"
    assert lines["Next autopay"] == f"$87.45 on {days(14):%m/%d/%Y}"
    assert lines["Autopay returned"] == f"R01 on {days(-5):%m/%d/%Y} ($60.00)"


def test_the_message_center_warns_of_a_card_expiring_within_30_days(
    client, csr, account, autopay_reference
):
    card_enrollment(account, card_expires_on=days(20))
    assert client.login(username=csr.username, password=PASSWORD)
    lines = message_center(tab(client, account, "customer"))
    assert lines["Card expires"].endswith(days(20).strftime("%m/%d/%Y"))
    assert "4242" in lines["Card expires"]
    assert "Next autopay" not in lines and "Autopay returned" not in lines


def test_the_history_tab_marks_autopay_payments_and_their_return(client, csr, account, history):
    assert client.login(username=csr.username, password=PASSWORD)
    html = tab(client, account, "history")
    paid = history["paid"]
    marks = re.findall(r'data-autopay-payment="(\d+)">([^<]*)<', html)
    by_payment = dict(marks)
    assert "trace 071000500000017" in by_payment[str(paid.payment_id)]
    assert "Draft" in by_payment[str(paid.payment_id)]
    (returned,) = re.findall(r'data-autopay-return="(\d+)">([^<]*)<', html)
    assert returned[0] == str(history["bounced"].payment_id)
    assert "returned R01" in returned[1] and "Non-sufficient funds" in returned[1]
    # The NSF fee the return levied is on the History tab too, and the books balance.
    assert "Returned payment" in html
    call_command("check_ledger", stdout=io.StringIO())


def test_the_notice_pdf_opens_from_the_sub_tab(client, csr, account, history):
    assert client.login(username=csr.username, password=PASSWORD)
    url = reverse("autopay:notice", args=[account.number, history["upcoming"].pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    none = reverse("autopay:notice", args=[account.number, history["paid"].pk])
    assert client.get(none).status_code == 404


def test_a_notice_todo_opens_the_accounts_auto_payment_sub_tab(csr, account, history):
    notice_todo(history["upcoming"], "Mail the autopay advance notice", "No email on file.")
    link = todo_source_link(csr, f"autopay.Clearing:{history['upcoming'].pk}")
    assert link.url.endswith(f"/acp/{account.number}/?tab=customer#sec-autopay")
    assert "$87.45" in link.label and account.number in link.label
    enrollment = todo_source_link(csr, f"autopay.Enrollment:{history['upcoming'].enrollment_id}")
    assert "6789" in enrollment.label
