"""axe-core (vendored in `vendor/`, never downloaded at test time) run in the page: the
serious and critical violations, each with the elements it found them on."""

from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def axe_violations(page: Page, context: str = "document") -> list[str]:
    """Serious / critical violations on the page as it is now, one line per element."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluate, not a script tag: the page's own script policy stays as it is.
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        "async (ctx) => (await axe.run(ctx === 'document' ? document : ctx,"
        " {resultTypes: ['violations']})).violations",
        context,
    )
    found = []
    for v in result:
        if v["impact"] not in BLOCKING:
            continue
        for node in v["nodes"]:
            found.append(
                f"{v['impact']} {v['id']}: {v['help']} at {' '.join(node['target'])}"
                f" -- {node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return found
