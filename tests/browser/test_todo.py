"""A CSR works a To Do entry end to end in a real browser (issue 8 item 16): the header's
badge, the filters, the linked record, assign, comment, complete, and the badge drops.
No console error, failed request or htmx error event along the way."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from accounts.models import ToDoEntry, ToDoLog
from accounts.reference import reference_data_load
from accounts.services.work import todo_create
from accounts.tests.factories import AccountFactory

pytestmark = pytest.mark.browser
PASSWORD = "todo-browser-pass-5"

# Collected in the page from the first script on: htmx's error events.
HTMX_ERRORS = """
window.__htmxErrors = [];
for (const name of ["htmx:responseError", "htmx:sendError", "htmx:targetError",
                    "htmx:swapError", "htmx:onLoadError", "htmx:historyCacheError"]) {
  document.addEventListener(name, (e) => window.__htmxErrors.push(name));
}
"""


@pytest.fixture
def casey(transactional_db) -> User:
    reference_data_load()
    user = User.objects.create_user("casey", password=PASSWORD, first_name="Casey")
    user.groups.add(Group.objects.get(name="CSR"))
    return user


@pytest.fixture
def entries(casey) -> dict:
    jane = AccountFactory(
        number="1000000042", customer__first_name="Jane", customer__last_name="Doe"
    )
    other = AccountFactory(number="1000000043")
    return {
        "upload": todo_create(
            type_code="PAYUPLOAD",
            subject="Lockbox check #5512: stub unreadable",
            account=jane,
            source=f"accounts.Account:{jane.pk}",
        ),
        "general": todo_create(
            type_code="GENERAL", subject="Call back about the meter reading", account=other
        ),
        # A supervisor's entry: not in a CSR's queue or badge.
        "review": todo_create(
            type_code="COLLREVIEW", subject="Review for collection", account=other
        ),
    }


@pytest.fixture
def watched(page: Page):
    """The page, with every console error, uncaught error, failed request and htmx error
    event recorded; the test asserts there were none."""
    problems: list[str] = []
    # The browser asks for /favicon.ico on its own; the panel has none (not an app request).
    ignored = ("favicon.ico",)
    # "Failed to load resource" is the console's echo of a 4xx/5xx, which the response
    # listener below reports with its URL (and lets the favicon through).
    page.on(
        "console",
        lambda m: (
            problems.append(f"console: {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url}"))
    page.on(
        "response",
        lambda r: (
            problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 and not any(i in r.url for i in ignored)
            else None
        ),
    )
    page.add_init_script(HTMX_ERRORS)
    yield page, problems


def settle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def no_errors(page: Page, problems: list[str]) -> None:
    htmx_errors = page.evaluate("window.__htmxErrors || []")
    assert problems == [] and htmx_errors == []


def test_a_csr_works_an_entry_from_badge_to_completion(
    watched, live_server, casey, entries, artifacts
):
    page, problems = watched
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "casey")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    # Home: the badge counts the two CSR entries; nothing is assigned to Casey yet.
    expect(page.get_by_role("heading", name="Account Control Panel")).to_be_visible()
    badge = page.locator("#todo-badge")
    expect(badge).to_have_attribute("data-count", "2")
    expect(page.locator("#home-todo")).to_contain_text("Nothing assigned to you")

    # The To Do screen from the header, filtered to upload exceptions.
    page.get_by_role("link", name="To Do").first.click()
    expect(page.get_by_role("heading", name="To Do", exact=True)).to_be_visible()
    rows = page.locator("#todo-list tbody tr.todo-row")
    expect(rows).to_have_count(2)
    expect(page.locator("#todo-list")).not_to_contain_text("Review for collection")
    page.select_option("#f-type", "PAYUPLOAD")
    settle(page)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lockbox check #5512")
    assert "type=PAYUPLOAD" in page.url

    # Open the entry, then its linked record: Jane's account in the panel.
    rows.first.get_by_role("link").click()
    detail = page.locator("#todo-detail")
    expect(detail.get_by_role("heading", name="Lockbox check #5512")).to_be_visible()
    detail.get_by_role("link", name="Open Account 1000000042").click()
    expect(page).to_have_url(f"{live_server.url}/acp/1000000042/")
    expect(page.locator("#dashboard")).to_contain_text("Jane")
    page.go_back()
    settle(page)
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").click()
    expect(detail.get_by_role("heading", name="Lockbox check #5512")).to_be_visible()

    # Assign to me, comment, complete with a resolution.
    detail.get_by_role("button", name="Assign to me").click()
    expect(detail.get_by_role("status")).to_have_text("Assigned to you.")
    expect(page.locator("#todo-assignee")).to_have_text("Casey")
    settle(page)
    expect(rows.first).to_contain_text("Being worked")
    expect(badge).to_have_attribute("data-count", "2")  # still Casey's, still open

    detail.get_by_label("Comment").fill("Asked the bank for a copy of the stub.")
    detail.get_by_role("button", name="Add comment").click()
    expect(detail.get_by_role("status")).to_have_text("Comment added.")
    expect(detail.locator(".todo-log")).to_contain_text("Asked the bank for a copy of the stub.")

    detail.get_by_label("Resolution").fill("Stub read as 1000000042; payment confirmed.")
    detail.get_by_role("button", name="Complete").click()
    expect(detail.get_by_role("status")).to_have_text("Completed.")
    settle(page)
    expect(badge).to_have_attribute("data-count", "1")
    expect(page.locator("#todo-list")).to_contain_text("No To Do entries match these filters.")
    page.screenshot(path=str(artifacts / "todo-completed.png"), full_page=True)

    entry = ToDoEntry.objects.get(pk=entries["upload"].pk)
    assert entry.status == "complete" and entry.completed_by == casey
    assert list(ToDoLog.objects.filter(entry=entry).order_by("pk").values_list("kind", "text")) == [
        ("assigned", ""),
        ("comment", "Asked the bank for a copy of the stub."),
        ("completed", "Stub read as 1000000042; payment confirmed."),
    ]

    # Back home: the recently opened list has Jane's account.
    page.get_by_role("link", name="OpenCIS").click()
    expect(page.locator("#home-recent")).to_contain_text("1000000042")
    expect(badge).to_have_attribute("data-count", "1")
    page.screenshot(path=str(artifacts / "todo-home.png"), full_page=True)
    no_errors(page, problems)
