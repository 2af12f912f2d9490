"""Amounts and charge adjustments in a real browser (issue 8 items 3 and 6).

A CSR types "1e3": refused with a sentence, nothing posted. A payment far above the balance
asks for confirmation; ticking the box and adding again posts it, and the message shows the
amount as money. A Supervisor adjusts a charge from the History tab: the form opens under
the charge's row and the credit reaches the ledger and the dashboard. The shared guard in
conftest.py fails these tests on a console or htmx error."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account, Adjustment, AdjustmentType
from accounts.tests.factories import AccountFactory
from payments.models import Payment
from payments.tests.factories import bill, sa_add

pytestmark = pytest.mark.browser
PASSWORD = "amounts-browser-pass-8"
D = Decimal


@pytest.fixture
def jane(transactional_db) -> Account:
    from payments.reference import reference_data_load

    reference_data_load()
    for name in ("CSR", "Supervisor"):
        user = User.objects.create_user(name.lower(), password=PASSWORD)
        user.groups.add(Group.objects.get(name=name))
    account = AccountFactory(
        number="1000000042", customer__first_name="Jane", customer__last_name="Doe"
    )
    water, sewer = sa_add(account, "WATER"), sa_add(account, "SEWER")
    bill(account, {water: 100, sewer: 50}, bill_date=dt.date(2026, 1, 1))
    return account


def settle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def open_tab(page: Page, live_server, account: Account, username: str, tab: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/acp/{account.number}/?tab={tab}")
    page.wait_for_load_state("load")
    expect(page.locator("#dashboard")).to_contain_text("$150.00")
    settle(page)


def balance(account: Account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


def test_csr_amounts_are_plain_and_a_large_one_is_confirmed(
    page: Page, live_server, jane, artifacts
):
    open_tab(page, live_server, jane, "csr", "payments")
    quick = page.locator("#quick-pay")
    quick.locator("#id_amount").fill("1e3")
    quick.get_by_role("button", name="Add payment").click()
    expect(page.locator("#quick-pay #id_amount_error")).to_contain_text(
        "Enter a plain decimal number such as 1234.56"
    )
    assert not Payment.objects.exists()

    quick = page.locator("#quick-pay")
    quick.locator("#id_amount").fill("2000")
    quick.get_by_role("button", name="Add payment").click()
    alert = page.locator("#quick-pay .form-error")
    expect(alert).to_contain_text("Please confirm the payment of $2,000.00")
    expect(alert).to_contain_text("10 times the balance of $150.00")
    settle(page)
    page.screenshot(path=str(artifacts / "acp-quick-pay-confirm.png"))
    assert not Payment.objects.exists()

    page.get_by_label("Yes, post the payment of $2,000.00").check()
    page.locator("#quick-pay").get_by_role("button", name="Add payment").click()
    expect(page.get_by_role("status")).to_contain_text("Payment of $2,000.00 posted.")
    expect(page.locator("#dashboard")).to_contain_text("-$1,850.00")
    settle(page)
    page.screenshot(path=str(artifacts / "acp-quick-pay-confirmed.png"))
    assert balance(jane) == D("-1850.00")
    assert list(ledger_breaches()) == []


def test_supervisor_adjusts_a_charge_from_history(page: Page, live_server, jane, artifacts):
    open_tab(page, live_server, jane, "supervisor", "history")
    body = page.locator("#tab-body")
    water_row = body.locator("tr.kind-bill_segment", has_text="WATER")
    water_row.get_by_role("button", name="Adjust").click()
    form = page.locator("form.payment-action")
    expect(form).to_be_visible()
    heading = form.locator("h3")
    for part in ("Adjust charge", "$100.00", "01/01/2026"):
        expect(heading).to_contain_text(part)
    # next to its row: the form's row follows the charge's row
    expect(form.locator("xpath=ancestor::tr[1]/preceding-sibling::tr[1]")).to_contain_text(
        "$100.00"
    )
    credit = AdjustmentType.objects.get(code="CREDIT")
    form.locator("select[name=adjustment_type]").select_option(value=str(credit.pk))
    form.locator("input[name=amount]").fill("-20.00")
    form.locator("input[name=reason]").fill("Leak courtesy credit")
    settle(page)
    page.screenshot(path=str(artifacts / "acp-history-adjust-form.png"))
    form.get_by_role("button", name="Post adjustment").click()
    expect(body.get_by_role("status")).to_contain_text(
        "Adjustment of -$20.00 (Courtesy credit) posted to"
    )
    expect(page.locator("#dashboard")).to_contain_text("$130.00")
    settle(page)
    page.screenshot(path=str(artifacts / "acp-history-adjusted.png"))
    adjustment = Adjustment.objects.get()
    assert adjustment.amount == D("-20.00") and adjustment.reason == "Leak courtesy credit"
    assert balance(jane) == D("130.00")
    assert list(ledger_breaches()) == []
