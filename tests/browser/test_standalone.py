"""Issue 13 item 8 in a real browser: a landlord with no account found by search, her own
page with the locations she owns, a click to a location's page with its tenants, and the
Owner tab of a tenant's panel leading back to her page."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from accounts.models import Account
from accounts.reference import reference_data_load
from accounts.tests.factories import AccountFactory, CustomerFactory, LocationFactory

from .axe import axe_violations
from .test_acp import PASSWORD, login, settle

pytestmark = pytest.mark.browser


@pytest.fixture
def casey(transactional_db) -> User:
    reference_data_load()
    user = User.objects.create_user("casey", password=PASSWORD, first_name="Casey")
    user.groups.add(Group.objects.get(name="CSR"))
    return user


def test_landlord_page_from_search_to_location_and_back_from_owner_tab(
    page: Page, live_server, casey, artifacts
):
    landlord = CustomerFactory(number="C0005000", first_name="Renée", last_name="Landlórd")
    LocationFactory(number="L0007000", line1="5 Empty Lot Rd", owner=landlord, is_rental=True)
    tenant = AccountFactory(
        number="1000007001",
        customer__first_name="Terry",
        customer__last_name="Tenant",
        location__number="L0007001",
        location__line1="9 Oak Ave",
        location__owner=landlord,
        location__is_rental=True,
        opened_on=dt.date(2023, 5, 1),
    )
    AccountFactory(
        customer__first_name="Pat",
        customer__last_name="Gone",
        location=tenant.location,
        activity_status=Account.ActivityStatus.FINAL,
        opened_on=dt.date(2020, 1, 1),
        closed_on=dt.date(2023, 4, 30),
    )
    login(page, live_server)

    # The live list under the search box marks her "No account" and links her page.
    page.fill("#acp-q", "landlord")
    hit = page.locator("#search-results .result-record[data-record=customer]")
    expect(hit).to_contain_text("Renée Landlórd")
    expect(hit).to_contain_text("No account")
    hit.click()
    expect(page).to_have_url(re.compile(r"/acp/customer/C0005000/$"))
    record = page.locator(".record-page")
    expect(record.locator("h1")).to_have_text("Renée Landlórd")
    expect(record).to_contain_text("This customer has no account.")
    owned = record.locator(".owned-locations")
    expect(owned.get_by_role("link")).to_have_count(2)
    page.screenshot(path=str(artifacts / "acp-standalone-customer.png"), full_page=True)
    assert axe_violations(page) == []

    # Her rental with its tenants, the current one first, the past one after.
    owned.get_by_role("link", name=re.compile("9 Oak Ave")).click()
    expect(page).to_have_url(re.compile(r"/acp/location/L0007001/$"))
    expect(record.locator("h1")).to_have_text("9 Oak Ave")
    expect(record.locator("dd.owner")).to_contain_text("Renée Landlórd")
    rows = record.locator("table.grid tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Terry Tenant")
    expect(rows.nth(1)).to_contain_text("Pat Gone")
    expect(rows.nth(1)).to_contain_text("04/30/2023")
    page.screenshot(path=str(artifacts / "acp-standalone-location.png"), full_page=True)
    assert axe_violations(page) == []

    # The tenant's account in the panel; its Owner tab leads back to her page.
    rows.nth(0).get_by_role("link", name="1000007001").click()
    expect(page).to_have_url(re.compile(r"/acp/1000007001/$"))
    page.wait_for_load_state("load")
    page.locator("#tab-owner").click()
    settle(page)
    owner_link = page.locator("#tab-body a.owner-link")
    expect(owner_link).to_have_text("Renée Landlórd")
    owner_link.click()
    expect(page).to_have_url(re.compile(r"/acp/customer/C0005000/$"))
    expect(record.locator("h1")).to_have_text("Renée Landlórd")
