"""The Payments tab's forms in a real browser (issue 8 items 9 and 12): the CSR picks a
tender type and sees only what that tender needs; manual distribution amounts appear only
in manual mode; a customer whose payments are refused gets a disabled form and one
message. The conftest guard fails the test on any console or htmx error."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from accounts.models import Account
from accounts.tests.factories import AccountFactory
from payments.models import Payment
from payments.tests.factories import bill, sa_add

pytestmark = pytest.mark.browser
PASSWORD = "csr-browser-pass-8f"


@pytest.fixture
def account(transactional_db) -> Account:
    from payments.reference import reference_data_load

    reference_data_load()
    user = User.objects.create_user("casey", password=PASSWORD, first_name="Casey")
    user.groups.add(Group.objects.get(name="CSR"))
    account = AccountFactory(
        number="1000000042", customer__first_name="Jane", customer__last_name="Doe"
    )
    water, sewer = sa_add(account, "WATER"), sa_add(account, "SEWER")
    bill(account, {water: 100, sewer: 50}, bill_date=dt.date(2026, 1, 1))
    return account


def open_payments(page: Page, live_server, account: Account) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "casey")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/acp/{account.number}/?tab=payments")
    page.wait_for_load_state("load")


def test_tender_fields_follow_the_tender_type(page: Page, live_server, account, artifacts):
    open_payments(page, live_server, account)
    quick = page.locator("#quick-pay")
    check_number, last4 = quick.locator("#id_check_number"), quick.locator("#id_last4")
    expect(quick.locator("#id_tender_type option:checked")).to_have_text("Cash")
    expect(check_number).to_be_hidden()
    expect(last4).to_be_hidden()
    expect(quick.get_by_text("Card token")).to_have_count(0)

    quick.locator("#id_tender_type").select_option(label="Personal check")
    expect(check_number).to_be_visible()
    expect(last4).to_be_hidden()
    quick.locator("#id_tender_type").select_option(label="Credit / debit card")
    expect(check_number).to_be_hidden()
    expect(last4).to_be_visible()
    quick.locator("#id_tender_type").select_option(label="Personal check")
    check_number.fill("5150")
    quick.locator("#id_amount").fill("40")
    quick.get_by_role("button", name="Add payment").click()
    expect(page.locator("#tab-body").get_by_role("status")).to_contain_text(
        "Payment of $40.00 posted."
    )
    assert Payment.objects.get().event.tenders.get().check_number == "5150"

    page.get_by_role("button", name="Full payment event…").click()
    event = page.locator("#payment-event")
    manual = event.locator("fieldset[data-when=mode]")
    expect(manual).to_be_hidden()
    expect(event.locator("#id_t-0-check_number")).to_be_hidden()
    event.get_by_label("Manual distribution (freeze separately)").check()
    expect(manual).to_be_visible()
    event.get_by_label("Do not distribute").check()
    expect(manual).to_be_hidden()

    event.locator("#id_t-0-tender_type").select_option(label="Cash")
    event.locator("#id_t-0-amount").fill("50")
    event.locator("#id_p-0-amount").fill("40")
    event.get_by_role("button", name="Add payment event").click()
    expect(event.get_by_role("alert")).to_have_text(
        "The tenders total $50.00 but the payments total $40.00."
    )
    page.screenshot(path=str(artifacts / "acp-payment-forms.png"))
    assert Payment.objects.count() == 1
    assert Account.objects.get(pk=account.pk).balance == Decimal("110.00")


def test_do_not_accept_payments_disables_the_form(page: Page, live_server, account, artifacts):
    account.customer.do_not_accept_payments = True
    account.customer.save()
    open_payments(page, live_server, account)
    tab = page.locator("#tab-body")
    expect(tab.get_by_role("alert")).to_have_count(1)
    expect(tab.get_by_role("alert")).to_contain_text("no payment can be taken")
    expect(page.locator("#quick-pay #id_amount")).to_be_disabled()
    expect(page.locator("#quick-pay").get_by_role("button", name="Add payment")).to_be_disabled()
    expect(tab.get_by_role("button", name="Full payment event…")).to_be_disabled()
    page.screenshot(path=str(artifacts / "acp-payments-refused.png"))
    assert not Payment.objects.exists()
