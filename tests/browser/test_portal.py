"""The web self-care portal in a real browser (issue 11 must-show): a web user signs in at
/my/, pays with a sandbox card through the hosted form and sees the confirmation; changing
the URL to another customer's account answers not found."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from accounts.models import CustomerEmail
from payments.models import Payment, WebLogin
from payments.reference import reference_data_load
from payments.tests.factories import account_with, bill
from serviceorders.models import ServiceOrder
from serviceorders.reference import reference_data_load as orders_reference_load
from serviceorders.tests.builders import shut_off

from . import test_acp
from .test_acp import login, open_tab, settle

pytestmark = pytest.mark.browser

PASSWORD = "web-browser-pass-1"
csr_user = test_acp.csr_user


@pytest.fixture
def jane(transactional_db):
    reference_data_load()
    account, (water,) = account_with(
        "WATER", number="7100000001", customer__first_name="Jane", customer__last_name="Doe"
    )
    bill(account, {water: "64.20"}, bill_date=dt.date(2026, 1, 1))
    CustomerEmail.objects.create(
        customer=account.customer, address="jane@example.com", is_primary=True
    )
    user = User.objects.create_user("jane@example.com", password=PASSWORD)
    WebLogin.objects.create(user=user, customer=account.customer)
    return account


def sign_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/my/")
    expect(page.get_by_role("heading", name="Sign in to your account")).to_be_visible()
    page.fill("#id_username", "jane@example.com")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My accounts")).to_be_visible()


def test_web_user_signs_in_pays_by_card_and_sees_the_confirmation(
    page: Page, live_server, jane, artifacts
):
    sign_in(page, live_server)
    page.get_by_role("link", name="7100000001").click()
    expect(page.locator("[data-figure=past-due]")).to_have_text("$64.20")
    page.get_by_role("link", name="Make a Payment").click()
    expect(page.locator("#id_amount")).to_have_value("64.20")  # the past due
    page.get_by_role("button", name="Continue to card details").click()
    # The processor's hosted form (the sandbox's), in the portal's layout.
    expect(page.get_by_role("heading", name="Hosted payment form")).to_be_visible()
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_exp_month", "12")
    page.fill("#id_exp_year", "2030")
    page.get_by_role("button", name="Create payment token").click()
    expect(page.get_by_text("Visa ending 4242")).to_be_visible()
    page.get_by_role("button", name="Pay $64.20").click()
    expect(page.get_by_role("heading", name="Thank you — payment received")).to_be_visible()
    expect(page.locator("[data-done=amount]")).to_have_text("$64.20")
    expect(page.locator("[data-done=balance]")).to_have_text("$0.00")
    page.screenshot(path=str(artifacts / "portal-payment-received.png"))
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FROZEN and payment.amount == Decimal("64.20")
    assert payment.event.tender_source.code == "WEB"


def test_web_user_changing_the_url_to_another_customers_account_gets_not_found(
    page: Page, live_server, jane, browser_errors
):
    other, _ = account_with("WATER", number="7100000002")
    browser_errors.allow(r"7100000002.*404|404.*7100000002|status of 404")
    sign_in(page, live_server)
    page.get_by_role("link", name="7100000001").click()
    expect(page.get_by_role("heading", name="Account 7100000001")).to_be_visible()
    response = page.goto(page.url.replace("7100000001", "7100000002"))
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("7100000002")).to_have_count(0)


def test_web_payment_on_a_shut_off_account_shows_the_csr_a_reconnect_order(
    page: Page, live_server, jane, csr_user, artifacts
):
    """Issue 11: the customer pays at 9 p.m. on the web; the CSR (or the crew's morning
    list) finds the payment and the reconnect order without anybody touching it."""
    orders_reference_load()
    shut_off(jane, "DISCONNECTED")
    sign_in(page, live_server)
    page.get_by_role("link", name="7100000001").click()
    page.get_by_role("link", name="Make a Payment").click()
    page.get_by_role("button", name="Continue to card details").click()
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_exp_month", "12")
    page.fill("#id_exp_year", "2030")
    page.get_by_role("button", name="Create payment token").click()
    page.get_by_role("button", name="Pay $64.20").click()
    expect(page.get_by_role("heading", name="Thank you — payment received")).to_be_visible()
    order = ServiceOrder.objects.get(account=jane, kind="reconnect")
    assert order.status == ServiceOrder.Status.OPEN

    # a CSR signs in (another session) and opens the account
    page.context.clear_cookies()
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    settle(page)
    open_tab(page, "serviceorders")
    row = page.locator(f"tr[data-order='{order.number}']")
    expect(row).to_contain_text("Open")
    expect(row).to_contain_text("Reconnect")
    expect(page.locator("[data-icon=open_so]")).to_be_visible()
    page.screenshot(path=str(artifacts / "portal-reconnect-order.png"), full_page=True)
    open_tab(page, "payments")
    expect(page.locator("#tab-body")).to_contain_text("64.20")
