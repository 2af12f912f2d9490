"""/acp/<number>/credit/...: the Credit tab's actions (issue 12 items 3 and 6). Thin: parse
the form, call delinquency.services.credit, answer the tab's HTML to htmx (422 with the
messages next to the fields). Saving needs `delinquency.change_no_penalty` (403 otherwise)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from accounts.acp.views.base import panel_action, section
from accounts.panel import PanelContext

from .panel_credit import TAB, TEMPLATE, CreditAttributesForm, tab_context
from .services.credit import PERMISSION, credit_attributes_update

VIEW = "delinquency.view_creditattributes"


def _answer(request, ctx, *, changed=False, invalid=False, **extra) -> HttpResponse:
    return section(
        request, ctx, TEMPLATE, tab_context(ctx, **extra), tab=TAB, changed=changed, invalid=invalid
    )


@panel_action()
def credit_tab(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    return _answer(request, ctx)


@require_POST
@panel_action(post_permission=PERMISSION)
def credit_attributes_save(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    form = CreditAttributesForm(request.POST, prefix="credit")
    if form.is_valid():
        data = form.cleaned_data
        try:
            credit_attributes_update(
                account=ctx.account,
                no_penalty=data["no_penalty"],
                no_penalty_expires_on=data["no_penalty_expires_on"],
                user=request.user,
                today=ctx.today,
            )
        except ValidationError as err:
            for name, messages in err.message_dict.items():
                form.add_error(name if name in form.fields else None, messages)
        else:
            # acp-changed: the dashboard fetches its cards and alerts again.
            return _answer(request, ctx, changed=True, message="Credit attributes saved.")
    return _answer(request, ctx, invalid=True, form=form)
