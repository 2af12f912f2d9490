"""Accessibility of the Account Control Panel (issue 8 item 17): axe-core finds no serious
or critical violation on any panel tab, the To Do screen or the home page, and one action
per tab is reached with Tab and done with Enter."""

import pytest
from playwright.sync_api import Page, expect

from accounts.services.work import todo_create

from . import test_acp
from .axe import axe_violations
from .test_acp import login, open_tab, settle

# The panel's CSR and account, shared with test_acp.
csr_user = test_acp.csr_user
jane = test_acp.jane

pytestmark = pytest.mark.browser


class Audit:
    """Every page's violations, reported together at the end (one run shows them all)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, page: Page, where: str) -> None:
        self.problems += [f"{where}: {p}" for p in axe_violations(page)]

    def assert_clean(self) -> None:
        assert not self.problems, "axe found:\n" + "\n".join(self.problems)


def test_every_tab_and_the_start_pages_pass_axe(page: Page, live_server, csr_user, jane, artifacts):
    audit = Audit()
    # Something in the queue, so the To Do list, its badge and the home card have rows.
    todo_create(type_code="GENERAL", subject="Call back about the meter", account=jane)
    login(page, live_server)
    audit.check(page, "home")
    page.goto(f"{live_server.url}/acp/todo/")
    settle(page)
    expect(page.locator("main")).to_contain_text("Call back about the meter")
    audit.check(page, "To Do")
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    settle(page)
    keys = page.locator("[role=tab][id^=tab-]").evaluate_all("els => els.map(e => e.id.slice(4))")
    assert {"customer", "notes", "history", "payments"} <= set(keys)
    for key in keys:
        open_tab(page, key)
        audit.check(page, f"tab {key}")
        # The tab's own sub-tabs (Customer: Personal Info, Codes...; Location: Permits...).
        subtabs = page.locator("#tab-body [role=tab]")
        for n in range(1, subtabs.count()):
            subtab = subtabs.nth(n)
            subtab.click()
            expect(subtab).to_have_attribute("aria-selected", "true")
            audit.check(page, f"tab {key} / {subtab.inner_text().strip()}")
    page.goto(f"{live_server.url}/acp/search/?q=Doe")
    settle(page)
    audit.check(page, "search results")
    page.screenshot(path=str(artifacts / "acp-a11y-last-tab.png"))
    audit.assert_clean()


def tab_to(page: Page, target, limit: int = 120) -> None:
    """Press Tab (only Tab) until `target` has the focus."""
    handle = target.element_handle()
    for _ in range(limit):
        if page.evaluate("el => el === document.activeElement", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_one_action_per_tab_by_keyboard_alone(page: Page, live_server, csr_user, jane, artifacts):
    """From the tab bar, Tab to one action on each tab and press Enter: it happens. The form
    each opens passes axe as well."""
    audit = Audit()
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    settle(page)

    def enter_on(key: str, action) -> None:
        page.locator(f"#tab-{key}").focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"#tab-body[data-tab={key}]")).to_be_visible()
        settle(page)
        tab_to(page, action)
        page.keyboard.press("Enter")
        settle(page)
        audit.check(page, f"{key} after Enter")

    enter_on("customer", page.get_by_role("button", name="Add address"))
    expect(page.locator("#sec-customer-addresses #id_line1")).to_be_visible()

    enter_on("contacts", page.get_by_role("button", name="Add contact"))
    expect(page.locator("#contact-detail #id_first_name")).to_be_visible()

    # Location: the sub-tabs move with the arrow keys, then Tab into the panel.
    enter_on("location", page.locator("#lt-services"))
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#lt-permits")).to_have_attribute("aria-selected", "true")
    tab_to(page, page.get_by_role("button", name="Add permit"))
    page.keyboard.press("Enter")
    settle(page)
    expect(page.get_by_role("button", name="Save", exact=True).first).to_be_visible()

    # Owner: type the new owner's number and press Enter in the field.
    otto = type(jane).objects.get(customer__last_name="Doerr").customer
    enter_on("owner", page.locator("#id_owner_number"))
    page.keyboard.press("Control+a")
    page.keyboard.type(otto.number)
    page.keyboard.press("Enter")
    settle(page)
    expect(page.locator("#tab-body")).to_contain_text("Doerr")
    jane.location.refresh_from_db()
    assert jane.location.owner_id == otto.pk

    enter_on("notes", page.get_by_role("button", name="Add note"))
    expect(page.locator("[data-note-form] #id_text")).to_be_visible()

    enter_on("special_conditions", page.get_by_role("button", name="Add condition"))
    expect(page.locator("#condition-detail #id_level")).to_be_visible()

    enter_on("payments", page.get_by_role("button", name="Full payment event…"))
    expect(page.locator("#payment-detail form")).to_be_visible()
    page.screenshot(path=str(artifacts / "acp-keyboard-payment-event.png"))

    # History: the filter's Refresh, by keyboard, reloads the tab with the chosen view.
    with page.expect_response(lambda r: "/tab/history/" in r.url):
        enter_on("history", page.get_by_role("button", name="Refresh"))
    expect(page.locator("#tab-body[data-tab=history]")).to_be_visible()
    audit.assert_clean()
