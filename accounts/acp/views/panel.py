"""The panel page, its tabs and dashboard partials, search and the card arrows."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ...panel import PanelContext, Tab, panel_tabs
from ...services.work import account_open_record
from ..selectors.dashboard import panel_dashboard
from ..selectors.search import (
    account_for_customer,
    account_for_location,
    customer_neighbour,
    location_neighbour,
    panel_search,
)
from . import standalone
from .base import panel_action, panel_not_found


def _tabs_context(ctx: PanelContext, key: str) -> dict:
    tabs = panel_tabs(ctx)
    active: Tab = next((t for t in tabs if t.key == key), tabs[0])
    return {
        "tabs": [(t, bool(t.has_records and t.has_records(ctx))) for t in tabs],
        "active": active,
        "tab_template": active.template,
        **(active.context(ctx) if active.context else {}),
    }


@require_GET
@panel_action()
def panel(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """The whole panel for one account, the tab from ?tab= open."""
    account_open_record(user=request.user, account=ctx.account)  # the home page's list
    context = {
        "ctx": ctx,
        "account": ctx.account,
        "dash": panel_dashboard(ctx),
        **_tabs_context(ctx, request.GET.get("tab", "customer")),
    }
    return render(request, "accounts/acp/panel.html", context)


@require_GET
@panel_action()
def panel_tab(request: HttpRequest, ctx: PanelContext, key: str) -> HttpResponse:
    """The tab bar and one tab's body (htmx swaps #tabs-area)."""
    if not request.htmx:
        query = request.GET.copy()
        query["tab"] = key
        return redirect(f"{reverse('acp:panel', args=[ctx.account.number])}?{query.urlencode()}")
    return tabs_area(request, ctx, key)


def tabs_area(
    request: HttpRequest, ctx: PanelContext, key: str, extra: dict | None = None
) -> HttpResponse:
    context = {"ctx": ctx, "account": ctx.account, **_tabs_context(ctx, key), **(extra or {})}
    return render(request, "accounts/acp/_tabs_area.html", context)


@require_GET
@panel_action()
def panel_dashboard_part(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    context = {"ctx": ctx, "account": ctx.account, "dash": panel_dashboard(ctx)}
    return render(request, "accounts/acp/_dashboard.html", context)


@require_GET
@login_required
@permission_required("accounts.view_account", raise_exception=True)
def search(request: HttpRequest) -> HttpResponse:
    """Enter in the search box: one match opens it, several are listed, 25 accounts a
    page. The live list under the box (htmx, as you type) uses the same selector."""
    query = request.GET.get("q", "").strip()
    page = request.GET.get("page", "1")
    page = int(page) if page.isdigit() and 0 < len(page) < 6 else 1
    result = panel_search(user=request.user, query=query, page=page)
    context = {"q": query, "r": result}
    if request.htmx:
        return render(request, "accounts/acp/_search_results.html", {**context, "live": True})
    if page == 1 and not result.more:
        if len(result.accounts) == 1 and not (result.customers or result.locations):
            return redirect("acp:panel", result.accounts[0].number)
        if not result.accounts and len(result.customers) + len(result.locations) == 1:
            what, record = (
                ("customer", result.customers[0])
                if result.customers
                else ("location", result.locations[0])
            )
            return redirect(f"acp:{what}", record.number)
    return render(request, "accounts/acp/search.html", context)


@require_GET
@login_required
@permission_required("accounts.view_account", raise_exception=True)
def step(request: HttpRequest, what: str, direction: str) -> HttpResponse:
    """The card arrows: previous / next customer or location."""
    finder = {"customer": customer_neighbour, "location": location_neighbour}.get(what)
    if finder is None or direction not in ("next", "prev"):
        return panel_not_found(request)
    account = finder(user=request.user, number=request.GET.get("from") or None, direction=direction)
    if account is None:
        # At either end the panel stays where it was.
        back = request.GET.get("account")
        return redirect("acp:panel", back) if back else redirect("home")
    tab = request.GET.get("tab", "customer")
    return redirect(f"{reverse('acp:panel', args=[account.number])}?tab={tab}")


@require_GET
@login_required
@permission_required("accounts.view_account", raise_exception=True)
def open_by(request: HttpRequest, what: str, number: str) -> HttpResponse:
    """Open the panel on a customer's or a location's preferred account; a customer or a
    location with no account this user may see (a landlord, a vacant location) opens on
    its own page (accounts/acp/views/standalone.py)."""
    finder = {"customer": account_for_customer, "location": account_for_location}.get(what)
    account = finder(user=request.user, number=number) if finder else None
    if account is not None:
        return redirect("acp:panel", account.number)
    if what == "customer":
        return standalone.customer(request, number)
    if what == "location":
        return standalone.location(request, number)
    return panel_not_found(request, number)


@login_required
@permission_required("accounts.view_account", raise_exception=True)
def not_found(request: HttpRequest, number: str, rest: str = "") -> HttpResponse:
    """Any other address under an account: the panel's 404, not DEBUG's URL list."""
    return panel_not_found(request, number)
