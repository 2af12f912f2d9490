"""A CSR takes a payment on the Account Control Panel, in a real browser (issue 4 item 9)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from accounts.models import Account, Note, NoteType, SAType
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory, billed_sa
from payments.models import Payment
from payments.reference import reference_data_load

pytestmark = pytest.mark.browser
PASSWORD = "csr-browser-pass-2"


@pytest.fixture
def csr_user(transactional_db) -> User:
    user = User.objects.create_user("casey", password=PASSWORD, first_name="Casey")
    user.groups.add(Group.objects.get(name="CSR"))
    return user


@pytest.fixture
def jane(transactional_db) -> Account:
    reference_data_load()
    account = AccountFactory(
        number="1000000042", customer__first_name="Jane", customer__last_name="Doe"
    )
    sa = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="WATER"))
    billed_sa(
        Decimal("182.40"), sa=sa, bill_date=dt.date(2026, 10, 2), due_date=dt.date(2026, 10, 23)
    )
    Note.objects.create(
        level="account",
        account=account,
        subject="Check the mailing address before taking money",
        text="Check the mailing address before taking money",
        note_type=NoteType.objects.get(code="GEN"),
        show_in_payment_center=True,
    )
    return account


def settle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def test_csr_reads_the_payment_note_and_quick_adds_a_payment(
    page: Page, live_server, csr_user, jane, artifacts
):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "casey")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Account Control Panel")).to_be_visible()
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    page.wait_for_load_state("load")  # acp.js (deferred) wires the note dialog
    expect(page.locator("#dashboard")).to_contain_text("$182.40")

    page.click("#tab-payments")
    dialog = page.get_by_role("dialog", name="Payment center note")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Check the mailing address")
    ok = dialog.get_by_role("button", name="OK")
    expect(ok).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    amount = page.locator("#quick-pay #id_amount")
    expect(amount).to_be_focused()
    expect(amount).to_have_value("182.40")

    amount.fill("82.40")
    page.locator("#quick-pay #id_tender_type").select_option(label="Cash")
    page.locator("#quick-pay").get_by_role("button", name="Add payment").click()
    expect(page.get_by_role("status")).to_contain_text("Payment of $82.40 posted.")
    rows = page.locator("table[aria-label=Payments] tr[id^=payment-]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Frozen")
    expect(page.locator("#dashboard")).to_contain_text("$100.00")
    expect(page.locator("#dashboard")).to_contain_text(re.compile(r"\$82\.40"))
    settle(page)
    rows.first.locator("summary").click()
    expect(rows.first).to_contain_text("Water")
    page.screenshot(path=str(artifacts / "acp-payments.png"))
    assert Payment.objects.get().status == Payment.Status.FROZEN
