"""The ACP side of web self-care: Reset Web Login on the Personal Info section (seed 004),
at /acp/<number>/customer/web-login/reset/."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from accounts.acp.views.base import panel_action, section
from accounts.panel import PanelContext

from .services import web_login_reset

RESET_PERMISSION = "accounts.change_customer"  # a CSR's


@require_POST
@panel_action(post_permission=RESET_PERMISSION)
def reset_web_login(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    try:
        login = web_login_reset(
            account=ctx.account,
            user=request.user,
            domain=request.get_host(),
            secure=request.is_secure(),
        )
    except ValidationError as err:
        ctx.memo["web_login_error"] = " ".join(err.messages)
        invalid = True
    else:
        ctx.memo["web_login_sent"] = login.user.email
        invalid = False
    return section(
        request,
        ctx,
        "accounts/acp/customer/_personal.html",
        {"party": ctx.customer, "editing": False},
        tab="customer",
        changed=not invalid,
        invalid=invalid,
    )


app_name = "portal-acp"
urlpatterns = [
    path("<str:number>/customer/web-login/reset/", reset_web_login, name="reset-web-login"),
]
