"""What every panel view shares: the account from the URL (private ones hidden), the
permission check, and how a section answers (htmx partial or redirect)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from ...panel import PanelContext
from ..selectors.access import panel_account_get

VIEW_PERMISSION = "accounts.view_account"


def panel_action(*, post_permission: str | None = None) -> Callable:
    """Resolve `number` to the account (404 when private for this user), build the
    PanelContext and refuse a POST without `post_permission` (403)."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, number: str, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(VIEW_PERMISSION):
                raise PermissionDenied
            if request.method not in ("GET", "HEAD", "POST"):
                return HttpResponse(status=405)
            if (
                request.method == "POST"
                and post_permission
                and not request.user.has_perm(post_permission)
            ):
                raise PermissionDenied
            try:
                account = panel_account_get(user=request.user, number=number)
            except Http404:
                return panel_not_found(request, number)
            return view(request, PanelContext(request=request, account=account), *args, **kwargs)

        return wrapper

    return decorator


def panel_not_found(request: HttpRequest, number: str = "") -> HttpResponse:
    """The panel's own 404 (issue 8 item 14): inside its chrome with the search box, the
    same for a number that doesn't exist and for a private account this user may not see,
    and rendered here so DEBUG's technical page never shows. An htmx request gets a line
    of text only (base.html does not swap a 404)."""
    if request.htmx:
        return HttpResponse("No such account.", status=404, content_type="text/plain")
    return render(request, "accounts/acp/404.html", {"missing": number}, status=404)


def require_perm(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def panel_url(ctx: PanelContext, tab: str = "customer") -> str:
    return f"{reverse('acp:panel', args=[ctx.account.number])}?tab={tab}"


def section(
    request: HttpRequest,
    ctx: PanelContext,
    template: str,
    context: dict,
    *,
    tab: str,
    changed: bool = False,
    invalid: bool = False,
) -> HttpResponse:
    """An htmx request gets the section's HTML: 422 when the form has errors (htmx is
    configured to swap it, so messages show next to the fields), and an `acp-changed`
    event after a save so the dashboard refreshes. A plain request (no JavaScript) is sent
    back to the panel after a save, or shown the panel with the section open."""
    if not request.htmx and not invalid:
        return redirect(panel_url(ctx, tab))
    response = render(
        request,
        template,
        {"ctx": ctx, "account": ctx.account, **context},
        status=422 if invalid else 200,
    )
    if changed:
        response["HX-Trigger"] = "acp-changed"
    return response
