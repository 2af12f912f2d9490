"""Issue 8 items 4, 13 and 14 in a real browser: whole account numbers under column
headers, paging past 25, accent-insensitive search, customers and locations with no
account, the honest zero-results line and the panel's own 404."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import override_settings
from playwright.sync_api import Page, expect

from accounts.models import Account
from accounts.reference import reference_data_load
from accounts.tests.factories import AccountFactory, CustomerFactory, LocationFactory

from .test_acp import PASSWORD, login, settle

pytestmark = pytest.mark.browser


@pytest.fixture
def casey(transactional_db) -> User:
    reference_data_load()
    user = User.objects.create_user("casey", password=PASSWORD, first_name="Casey")
    user.groups.add(Group.objects.get(name="CSR"))
    return user


@pytest.fixture
def many(casey) -> list[Account]:
    """30 accounts whose customers are named Pager…, and José Ñúñez."""
    accounts = [
        AccountFactory(number=f"10000{i:05d}", customer__last_name=f"Pager{i:02d}")
        for i in range(30)
    ]
    AccountFactory(
        number="1000000777",
        customer__first_name="José",
        customer__last_name="Ñúñez",
        location__line1="7 Calle Peñón",
    )
    return accounts


def assert_numbers_whole(page: Page) -> None:
    """Every account number in the list is shown entire: its box is as wide as its text."""
    cells = page.locator(".results .result .r-acct")
    assert cells.count() > 0
    cut = page.evaluate(
        """() => Array.from(document.querySelectorAll('.results .result .r-acct'))
             .filter(el => el.scrollWidth > el.clientWidth + 0.5 ||
                           el.getBoundingClientRect().right >
                           el.nextElementSibling.getBoundingClientRect().left)
             .map(el => el.textContent)"""
    )
    assert cut == [], f"account numbers cut off: {cut}"


def test_type_ahead_shows_whole_numbers_and_finds_nunez_without_accents(
    page: Page, live_server, casey, many, artifacts
):
    login(page, live_server)
    page.press("body", "/")
    page.keyboard.type("pager")
    results = page.locator("#search-results .results .result")
    expect(results).to_have_count(25)
    head = page.locator("#search-results .results-head").first
    expect(head).to_contain_text("Account")
    expect(head).to_contain_text("Balance")
    assert_numbers_whole(page)
    expect(page.locator("#search-results .pager-next")).to_have_text("Next 25")
    page.screenshot(path=str(artifacts / "acp-search-typeahead-whole-numbers.png"))

    page.fill("#acp-q", "")
    page.keyboard.type("nunez")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Ñúñez")
    expect(results.first.locator(".r-acct")).to_have_text("1000000777")
    page.screenshot(path=str(artifacts / "acp-search-accent-nunez.png"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/acp/1000000777/"))
    expect(page.locator("#dashboard")).to_contain_text("Ñúñez")


def test_search_page_pages_past_25(page: Page, live_server, casey, many, artifacts):
    login(page, live_server)
    page.fill("#acp-q", "pager")
    page.press("#acp-q", "Enter")
    expect(page.get_by_role("heading", name=re.compile("Search"))).to_be_visible()
    listed = page.locator(".search-page .results .result")
    expect(listed).to_have_count(25)
    assert_numbers_whole(page)
    first_page = set(listed.locator(".r-acct").all_inner_texts())
    page.screenshot(path=str(artifacts / "acp-search-page-1.png"), full_page=True)
    page.locator(".search-page .pager-next").click()
    expect(listed).to_have_count(5)
    expect(page.locator(".search-page")).to_contain_text("Accounts 26–30")
    second_page = set(listed.locator(".r-acct").all_inner_texts())
    assert first_page.isdisjoint(second_page)
    assert first_page | second_page == {a.number for a in many}
    page.screenshot(path=str(artifacts / "acp-search-page-2.png"), full_page=True)
    page.locator(".search-page .pager-prev").click()
    expect(listed).to_have_count(25)


def test_landlord_and_vacant_location_open_on_their_own_and_nothing_is_said_honestly(
    page: Page, live_server, casey, artifacts
):
    landlord = CustomerFactory(number="C0005000", first_name="Renée", last_name="Landlórd")
    LocationFactory(number="L0007000", line1="5 Empty Lot Rd", owner=landlord, is_rental=True)
    login(page, live_server)
    page.fill("#acp-q", "landlord")
    page.press("#acp-q", "Enter")
    expect(page.locator(".record-page h1")).to_have_text("Renée Landlórd")
    expect(page.locator(".record-page")).to_contain_text("This customer has no account.")
    page.screenshot(path=str(artifacts / "acp-search-landlord.png"))
    page.get_by_role("link", name=re.compile("5 Empty Lot Rd")).click()
    expect(page.locator(".record-page h1")).to_have_text("5 Empty Lot Rd")
    expect(page.locator(".record-page")).to_contain_text("No account at this location.")
    page.screenshot(path=str(artifacts / "acp-search-vacant-location.png"))

    page.press("body", "/")
    page.keyboard.type("xyzzy")
    expect(page.locator("#search-results .none")).to_have_text(
        "No customer, location or account matches “xyzzy”."
    )
    page.screenshot(path=str(artifacts / "acp-search-no-match.png"))


@override_settings(DEBUG=True)
def test_unknown_and_private_accounts_are_a_404_inside_the_panel(
    page: Page, live_server, casey, browser_errors, artifacts
):
    AccountFactory(number="1000000099", customer__last_name="Secretson", customer__is_public=False)
    # The 404 is the point here; Chromium logs it for the page itself.
    browser_errors.allow(r"status of 404 \(Not Found\)")
    login(page, live_server)
    for number in ("9999999999", "1000000099"):
        response = page.goto(f"{live_server.url}/acp/{number}/")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", name="No such account")).to_be_visible()
        expect(page.locator("#acp-q")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Secretson")
        expect(page.locator("body")).not_to_contain_text("Using the URLconf")
    page.screenshot(path=str(artifacts / "acp-404.png"))
    # The search box still works from the 404 page.
    page.press("body", "/")
    page.keyboard.type("zzzz")
    settle(page)
    expect(page.locator("#search-results .none")).to_contain_text("No customer, location")
