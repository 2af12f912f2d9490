"""The New Payment Arrangement Wizard in a real browser (seed 004; issue 12 "Must show"):
a CSR runs the wizard end to end (Warnings -> Setup -> Review -> Confirmation -> Finish)
and sees the schedule on the Arrangements tab; the dashboard shows On Arrangement."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from delinquency.models import Arrangement

from . import test_acp
from .axe import axe_violations
from .test_acp import login, open_tab, settle

pytestmark = pytest.mark.browser

csr_user = test_acp.csr_user
jane = test_acp.jane


def _next(page: Page, name: str = "Next") -> None:
    page.locator("#arr-step").get_by_role("button", name=name, exact=True).click()
    settle(page)


def test_csr_runs_the_arrangement_wizard_and_sees_the_schedule(
    page: Page, live_server, csr_user, jane, artifacts
):
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    settle(page)
    open_tab(page, "arrangements")
    tab = page.locator("#arr-tab")
    expect(tab).to_contain_text("No arrangements.")
    expect(page.locator("[data-icon=arrangement]")).to_have_count(0)

    tab.get_by_role("link", name="New Payment Arrangement").click()
    settle(page)
    wizard = page.locator("#arr-wizard")
    expect(wizard).to_have_attribute("data-step", "warnings")
    expect(wizard.locator("[data-warning=past_due]")).to_contain_text("$182.40")
    problems = [f"warnings: {p}" for p in axe_violations(page)]
    _next(page)

    expect(wizard).to_have_attribute("data-step", "setup")
    page.fill("#id_arr-description", "Four months")
    page.fill("#id_arr-amount", "200.00")  # above the balance first
    page.fill("#id_arr-installments_count", "4")
    page.uncheck("#id_arr-with_billing")
    page.select_option("#id_arr-frequency", "monthly")
    start = timezone.localdate() + dt.timedelta(days=7)
    page.fill("#id_arr-start_on", start.isoformat())
    _next(page)
    expect(page.locator("#arr-wizard .form-error")).to_contain_text(
        "above the chosen services' balance $182.40"
    )
    page.fill("#id_arr-amount", "100.00")
    _next(page, "Calculate")
    figures = page.locator("#arr-figures")
    expect(figures).to_contain_text("Remaining balance")
    expect(figures).to_contain_text("$82.40")
    expect(figures).to_contain_text("$25.00")
    problems += [f"setup: {p}" for p in axe_violations(page)]
    page.screenshot(path=artifacts / "arrangements-wizard-setup.png", full_page=True)
    _next(page)

    expect(wizard).to_have_attribute("data-step", "review")
    schedule = page.locator("#arr-schedule tbody tr")
    expect(schedule).to_have_count(4)
    expect(schedule.first).to_contain_text(start.strftime("%m/%d/%Y"))
    expect(page.locator("#arr-preview").get_by_role("button", name="Preview")).to_be_visible()
    problems += [f"review: {p}" for p in axe_violations(page)]
    page.screenshot(path=artifacts / "arrangements-wizard-review.png", full_page=True)
    _next(page)

    expect(wizard).to_have_attribute("data-step", "confirm")
    _next(page)  # not ticked: refused
    expect(page.locator("#arr-wizard [data-field=confirmed] .field-error")).to_contain_text(
        "Tick the box"
    )
    assert not Arrangement.objects.exists()
    problems += [f"confirm: {p}" for p in axe_violations(page)]
    page.check("#id_ok-confirmed")
    _next(page)

    arrangement = Arrangement.objects.get(account=jane)
    expect(page.locator("#arr-finished")).to_contain_text(arrangement.number)
    expect(page.get_by_role("link", name="Print Arrangement (PDF)")).to_be_visible()
    expect(page.locator("[data-icon=arrangement]")).to_be_visible()  # dashboard refreshed
    page.locator("#arr-wizard").get_by_role("button", name="Close").click()
    settle(page)

    row = page.locator(f"tr[data-arrangement='{arrangement.number}']")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("Four months")
    expect(row).to_contain_text("$100.00")
    detail = page.locator("#arr-detail tbody tr")
    expect(detail).to_have_count(4)
    expect(detail.nth(3)).to_contain_text("$25.00")
    assert [i.amount for i in arrangement.installments.all()] == [Decimal("25.00")] * 4
    problems += [f"tab: {p}" for p in axe_violations(page)]
    assert not problems, "axe found:\n" + "\n".join(problems)
    page.screenshot(path=artifacts / "arrangements-tab.png", full_page=True)
