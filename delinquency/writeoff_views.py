"""/acp/<number>/credit/writeoff/: the Credit tab's "Write off" (README "Write-offs").
Needs `delinquency.write_off_account` (403 otherwise); an ineligible account answers 422
with the reason."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from accounts.acp.views.base import panel_action, section
from accounts.panel import PanelContext
from cis.money import money_format

from .panel_credit import TAB, TEMPLATE, tab_context
from .panel_writeoffs import WriteOffForm
from .services.writeoffs import PERMISSION, WriteOffError, writeoff_account


@require_POST
@panel_action(post_permission=PERMISSION)
def writeoff_save(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    form = WriteOffForm(request.POST, prefix="wo")
    if form.is_valid():
        try:
            w = writeoff_account(
                account=ctx.account,
                user=request.user,
                reason=form.cleaned_data["reason"],
                refer_to_collections=form.cleaned_data["refer_to_collections"],
                on=ctx.today,
            )
        except WriteOffError as err:
            form.add_error(None, str(err))
        else:
            ctx.account.refresh_from_db()
            return section(
                request,
                ctx,
                TEMPLATE,
                tab_context(ctx, message=f"Written off {money_format(w.amount)}."),
                tab=TAB,
                changed=True,
            )
    return section(
        request, ctx, TEMPLATE, tab_context(ctx, writeoff_form=form), tab=TAB, invalid=True
    )
