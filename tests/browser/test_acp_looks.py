"""What a CSR reads off the dashboard at a glance (issue 8 item 15): every status icon and
mark names itself on hover and keyboard focus (drawn in the page, so a screenshot shows
it), an "Icons" legend says what each means, and a large balance stays on one line."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from accounts.models import Account, Note, NoteType, SAType
from accounts.reference import reference_data_load
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory, billed_sa

pytestmark = pytest.mark.browser
PASSWORD = "csr-looks-pass-1"


@pytest.fixture
def flagged(transactional_db) -> Account:
    """A bankrupt customer owing a billion dollars, with a grace note."""
    reference_data_load()
    User.objects.create_user("casey", password=PASSWORD).groups.add(Group.objects.get(name="CSR"))
    account = AccountFactory(
        number="1000000077",
        customer__first_name="Bea",
        customer__last_name="Broke",
        customer__is_bankrupt=True,
    )
    sa = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="WATER"))
    billed_sa(
        Decimal("1000000000.00"),
        sa=sa,
        bill_date=dt.date(2026, 10, 2),
        due_date=dt.date(2026, 10, 23),
    )
    Note.objects.create(
        level="account",
        account=account,
        note_type=NoteType.objects.get(code="GRACE"),
        subject="Grace granted",
        text="Grace granted",
        grace_date=dt.date.today() + dt.timedelta(days=10),
    )
    return account


def tip(page: Page, selector: str) -> str:
    """The text the page draws beside an element (its ::after tooltip), or "none"."""
    return page.eval_on_selector(
        selector, "el => getComputedStyle(el, '::after').getPropertyValue('content')"
    )


def test_icons_name_themselves_on_hover_and_focus_and_the_legend_explains_them(
    page: Page, live_server, flagged, artifacts
):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "casey")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/acp/{flagged.number}/")
    page.wait_for_load_state("load")
    bankrupt = '[data-icon="bankruptcy"]'
    assert tip(page, bankrupt) in ("none", "normal")
    page.hover(bankrupt)
    assert tip(page, bankrupt) == '"Bankruptcy"'
    # the grace mark by keyboard: focus shows the same text hover does
    page.mouse.move(0, 0)
    page.focus(".mark-g")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert tip(page, ".mark-g").startswith('"Grace: no penalty through')
    # the billion-dollar balance stays on one line in the status card
    balance = page.locator(".status-card .facts dd").first
    expect(balance).to_have_text("$1,000,000,000.00")
    assert balance.bounding_box()["height"] <= 24
    # the legend: every icon and mark with what it means
    legend = page.locator("details.legend")
    expect(legend.locator("ul")).to_be_hidden()
    legend.locator("summary").click()
    expect(legend.get_by_text("Bankruptcy", exact=True)).to_be_visible()
    expect(legend.get_by_text("last payment received, not yet posted")).to_be_visible()
    expect(legend.get_by_text("a grace note: no penalty until its date")).to_be_visible()
    page.hover(bankrupt)
    page.screenshot(path=str(artifacts / "acp-icon-tooltip-and-legend.png"))
