"""The Usage tab in a real browser (seed 004): a CSR opens it on an account the demo
generator built, filters to one service, sorts a column and clicks a read to see its
meter below."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from accounts.demo import demo_accounts
from accounts.models import Account, BillSegmentUsage
from accounts.reference import reference_data_load
from cis.demo import DemoContext

from . import test_acp
from .axe import axe_violations
from .test_acp import login, open_tab, settle

pytestmark = pytest.mark.browser

csr_user = test_acp.csr_user


@pytest.fixture
def demo_account(transactional_db) -> Account:
    """A public demo account with water and electric service: twelve bills of each."""
    reference_data_load()
    demo_accounts(DemoContext(accounts=8, seed=3, as_of=dt.date(2026, 12, 2), log=lambda _: None))
    return (
        Account.objects.filter(
            customer__is_public=True,
            agreements__sa_type__code="ELEC",
        )
        .filter(agreements__sa_type__code="WATER")
        .order_by("number")
        .first()
    )


def test_csr_filters_sorts_and_opens_a_meter(
    page: Page, live_server, csr_user, demo_account, artifacts
):
    account = demo_account
    reads = BillSegmentUsage.objects.filter(segment__bill__account=account)
    assert reads.count() == 24
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{account.number}/")
    settle(page)
    expect(page.locator("#tab-usage")).to_have_class(re.compile("has-records"))
    open_tab(page, "usage")
    grid = page.locator("table[aria-label=Usage]")
    expect(grid.locator("tbody tr")).to_have_count(24)
    expect(page.locator("#usage-meter")).to_contain_text("Select a read above")

    page.locator("#usage-service").select_option("ELEC")
    settle(page)
    expect(grid.locator("tbody tr")).to_have_count(12)
    expect(grid.locator("tbody")).not_to_contain_text("WATER")
    expect(page).to_have_url(re.compile(r"service=ELEC"))

    # Total charge: one click sorts up, the filter stays.
    grid.locator("th[data-sort=total] a").click()
    settle(page)
    expect(grid.locator("th[data-sort=total]")).to_have_attribute("aria-sort", "ascending")
    elec = reads.filter(segment__sa__sa_type__code="ELEC")
    cheapest = elec.order_by("total_charge", "-read_date", "pk").first()
    first = grid.locator("tbody tr").first
    expect(first).to_have_attribute("data-read", str(cheapest.pk))
    expect(grid.locator("tbody tr")).to_have_count(12)

    first.click()
    settle(page)
    detail = page.locator("#usage-meter")
    meter = cheapest.meter
    expect(detail.locator("[data-field=meter]")).to_have_text(meter.number)
    expect(detail).to_contain_text(meter.make)
    expect(detail).to_contain_text("KWH")
    expect(grid.locator(f"tr[data-read='{cheapest.pk}']")).to_have_class(re.compile("selected"))
    history = detail.locator(f"table[aria-label='Reads of meter {meter.number}'] tbody tr")
    expect(history.first).to_contain_text(cheapest.read_date.strftime("%m/%d/%Y"))
    expect(history.first).to_have_class(re.compile("selected"))
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "acp-tab-usage.png"), full_page=True)
