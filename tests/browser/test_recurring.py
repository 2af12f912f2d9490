"""The Recurring Items tab in a real browser (seed 004): a supervisor adds a recurring
discount to the account (a refused count first, its message next to the field) and sees it
listed, active, "while active" applied 0 times."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import AdjustmentType, RecurringItem, RecurringItemType

from . import test_acp
from .axe import axe_violations
from .test_acp import htmx_bound, login, open_tab, settle

pytestmark = pytest.mark.browser

csr_user = test_acp.csr_user
jane = test_acp.jane


@pytest.fixture
def senior(jane):
    return RecurringItemType.objects.create(
        code="SENIOR",
        description="Senior discount",
        percent=Decimal("10.00"),
        adjustment_type=AdjustmentType.objects.get(code="CREDIT"),
    )


def test_supervisor_adds_a_recurring_item(
    page: Page, live_server, csr_user, jane, senior, artifacts
):
    csr_user.groups.add(Group.objects.get(name="Supervisor"))
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    settle(page)
    open_tab(page, "recurring_items")
    tab = page.locator("#recurring-tab")
    expect(tab).to_contain_text("No recurring items.")
    tab.get_by_role("button", name="Add recurring item").click()
    settle(page)
    form = page.locator("#ri-add-form")
    htmx_bound(page, "#id_times_to_apply")
    form.locator("#id_level").select_option("account")
    form.locator("#id_item_type").select_option(str(senior.pk))
    form.locator("#id_description").fill("Senior discount, 65 and over")
    assert axe_violations(page) == []
    form.locator("#id_times_to_apply").fill("-2")
    form.get_by_role("button", name="Save recurring item").click()
    settle(page)
    expect(page.locator("#ri-add-form [data-field=times_to_apply] .field-error")).to_be_visible()
    assert not RecurringItem.objects.exists()
    form = page.locator("#ri-add-form")
    expect(form.locator("#id_description")).to_have_value("Senior discount, 65 and over")
    form.locator("#id_times_to_apply").fill("0")
    form.get_by_role("button", name="Save recurring item").click()
    settle(page)
    item = RecurringItem.objects.get(account=jane)
    assert item.is_active and item.times_to_apply is None
    assert item.effective_on == timezone.localdate()
    row = page.locator(f"tr[data-item='{item.pk}']")
    expect(row).to_contain_text("SENIOR")
    expect(row).to_contain_text("Senior discount, 65 and over")
    expect(row).to_contain_text("While active")
    expect(row).to_contain_text("Discount 10.00%")
    expect(page.locator("#tab-recurring_items.has-records")).to_be_visible()
    row.get_by_role("button", name="Details").click()
    settle(page)
    expect(page.locator("#recurring-detail")).to_contain_text("Change history")
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "recurring-tab.png", full_page=True)
