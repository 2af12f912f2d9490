"""Playwright drives Debian's chromium (no browser download; see STACK-NOTES) against
pytest-django's live_server."""

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# to set up and check data are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The machine is shared and often loaded (CI runs the suite beside other work): wait up to
# 15 s for what the page must show instead of Playwright's 5 s. Nothing passes sooner or
# later because of it; a wrong page still fails, only later.
expect.set_options(timeout=15_000)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# Issue 8 item 2: every browser test fails on a console error, an htmx error event, an
# uncaught page error or a failed request. A broken swap (htmx:targetError) sends no request
# and shows nothing, so only the console tells; the guard makes it a test failure.
HTMX_ERROR_EVENTS = [
    "htmx:targetError",
    "htmx:responseError",
    "htmx:sendError",
    "htmx:swapError",
    "htmx:onLoadError",
    "htmx:oobErrorNoTarget",
]
HTMX_LISTENER = """
(() => {
  const names = __NAMES__;
  names.forEach((name) => document.addEventListener(name, (e) => {
    const d = e.detail || {};
    const target = d.target && (d.target.id || d.target.tagName);
    const where = target || (d.pathInfo && d.pathInfo.requestPath) || "";
    console.error("[htmx-guard] " + name + " " + where);
  }, true));
})();
""".replace("__NAMES__", json.dumps(HTMX_ERROR_EVENTS))
# A refused form comes back as 422 and htmx swaps it in (base.html's responseHandling);
# Chromium still logs every 4xx fetch as a console error. That one status is expected.
# The panel has no favicon; Chromium asks for one anyway.
EXPECTED_CONSOLE = [re.compile(r"status of 422 \(Unprocessable"), re.compile(r"/favicon\.ico\)$")]


class BrowserErrors:
    """What went wrong in the page during a test; `allow(pattern)` for a test that means
    to provoke one (a 403, say)."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.allowed = list(EXPECTED_CONSOLE)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def add(self, what: str) -> None:
        self.found.append(what)

    def unexpected(self) -> list[str]:
        return [f for f in self.found if not any(p.search(f) for p in self.allowed)]


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture(autouse=True)
def _fail_on_browser_errors(request, browser_errors):
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    page.add_init_script(HTMX_LISTENER)

    def console(msg):
        if msg.type == "error":
            browser_errors.add(f"console: {msg.text} ({msg.location.get('url', '')})")

    def response(resp):
        if resp.status >= 500:
            browser_errors.add(f"response {resp.status}: {resp.request.method} {resp.url}")

    def failed(req):
        # A navigation that replaces a page cancels what that page still loads.
        if req.failure and "ERR_ABORTED" in req.failure:
            return
        browser_errors.add(f"request failed: {req.method} {req.url} {req.failure}")

    page.on("console", console)
    page.on("pageerror", lambda exc: browser_errors.add(f"page error: {exc}"))
    page.on("response", response)
    page.on("requestfailed", failed)
    yield
    problems = browser_errors.unexpected()
    assert not problems, "The browser reported errors:\n" + "\n".join(problems)
