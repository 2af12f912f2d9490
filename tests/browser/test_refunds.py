"""Refunds in a real browser (issue 13 item 2): a CSR requests a refund of the account's
credit on the History tab; a supervisor, logged in afterwards, approves it there; the
account's balance moves and the refund shows Approved, then Paid after the check run."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.ledger_checks import ledger_breaches
from accounts.models import AdjustmentType, Refund, SAType, ToDoEntry
from accounts.services.adjustments import adjustment_create
from accounts.services.refunds import refunds_checks_pay
from accounts.tests.factories import ServiceAgreementFactory

from . import test_acp
from .test_acp import PASSWORD, htmx_bound, login, open_tab, settle

pytestmark = pytest.mark.browser

csr_user = test_acp.csr_user
jane = test_acp.jane


@pytest.fixture
def credit_jane(jane):
    """Jane owes 182.40 on water; 250.00 of overpayment sits on an excess-credit SA: the
    account's own credit is 67.60."""
    excess = ServiceAgreementFactory(account=jane, sa_type=SAType.objects.get(code="EXCESS"))
    adjustment_create(
        sa=excess,
        adjustment_type=AdjustmentType.objects.get(code="CREDIT"),
        amount=Decimal("-250.00"),
    )
    jane.refresh_from_db()
    assert jane.balance == Decimal("-67.60")
    return jane


@pytest.fixture
def boss(transactional_db):
    user = User.objects.create_user("sam", password=PASSWORD, first_name="Sam")
    user.groups.add(Group.objects.get(name="Supervisor"))
    return user


def _login_as(page: Page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Account Control Panel")).to_be_visible()
    page.wait_for_load_state("load")


def test_csr_requests_and_supervisor_approves_a_refund(
    page: Page, live_server, csr_user, credit_jane, boss, artifacts, tmp_path, settings
):
    # a CSR asks for 40.00 of the 67.60 by check on the History tab
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{credit_jane.number}/")
    settle(page)
    open_tab(page, "history")
    expect(page.locator("[data-refund-credit]")).to_have_text("$67.60")
    page.get_by_role("button", name="Refund", exact=True).click()
    settle(page)
    form = page.locator("#refund-form form")
    htmx_bound(page, "#refund-form #id_reason")
    expect(form.locator("#id_amount")).to_have_value("67.60")
    form.locator("#id_amount").fill("80.00")
    form.locator("#id_reason").fill("Customer overpaid")
    form.get_by_role("button", name="Request refund").click()
    settle(page)
    expect(page.locator("#refund-form")).to_contain_text("more than the credit available")
    assert not Refund.objects.exists()
    form = page.locator("#refund-form form")
    form.locator("#id_amount").fill("40.00")
    form.get_by_role("button", name="Request refund").click()
    settle(page)
    expect(page.locator(".history-tab .form-ok")).to_contain_text("awaits a supervisor")
    refund = Refund.objects.get()
    row = page.locator(f"tr[data-refund='{refund.pk}']")
    expect(row.locator("[data-refund-status]")).to_have_text("Requested")
    # the CSR can't approve; the supervisor sees a To Do
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)
    assert ToDoEntry.objects.get(source=f"accounts.Refund:{refund.pk}").todo_type.role == (
        "Supervisor"
    )
    # the supervisor logs in and approves it on the History tab
    _login_as(page, live_server, "sam")
    page.goto(f"{live_server.url}/acp/{credit_jane.number}/?tab=history")
    settle(page)
    row = page.locator(f"tr[data-refund='{refund.pk}']")
    row.get_by_role("button", name="Approve").click()
    settle(page)
    expect(page.locator(".history-tab .form-ok")).to_contain_text("approved and posted")
    row = page.locator(f"tr[data-refund='{refund.pk}']")
    expect(row.locator("[data-refund-status]")).to_contain_text("Approved")
    expect(page.locator("[data-refund-credit]")).to_have_text("$27.60")
    expect(page.locator("table[aria-label='Account history']")).to_contain_text("Refund")
    credit_jane.refresh_from_db()
    assert credit_jane.balance == Decimal("-27.60")
    # the check run pays it; the tab shows Paid with the check number
    settings.OPENCIS_CHECK_OUTBOX = tmp_path / "checks"
    refunds_checks_pay(refund_ids=[refund.pk], business_date=timezone.localdate())
    page.reload()
    settle(page)
    row = page.locator(f"tr[data-refund='{refund.pk}']")
    expect(row.locator("[data-refund-status]")).to_contain_text("Paid")
    expect(row).to_contain_text("#100001")
    assert list(ledger_breaches()) == []
    page.screenshot(path=artifacts / "refunds-history.png", full_page=True)
