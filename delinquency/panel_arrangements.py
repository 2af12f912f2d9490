"""The Arrangements tab on the Account Control Panel (seed 004; issue 12 item 5):
registered from delinquency/panel.py. The summary grid, the payment detail grid of the
selected arrangement and the actions (New Payment Arrangement, Print Arrangement, Print
History, Delete); also the dashboard's "On Arrangement" fact (an active arrangement)."""

from accounts.panel import Facts, PanelContext, facts_provider, register_tab

from .arrangements.forms import DeleteForm
from .models import Arrangement
from .panel_markers import any_of, marked
from .services.arrangements import arrangement_warnings

TAB = "arrangements"
TEMPLATE = "delinquency/arrangements/tab.html"
VIEW = "delinquency.view_arrangement"
ADD = "delinquency.add_arrangement"
DELETE = "delinquency.delete_arrangement"


def account_arrangements(ctx: PanelContext) -> list[Arrangement]:
    return list(
        Arrangement.objects.filter(account=ctx.account)
        .select_related("created_by")
        .prefetch_related("installments")
        .order_by("-created_at", "-pk")
    )


def tab_context(ctx: PanelContext, **extra) -> dict:
    arrangements = account_arrangements(ctx)
    params = ctx.request.GET if ctx.request.method == "GET" else ctx.request.POST
    wanted = params.get("arr", "")
    selected = next((a for a in arrangements if str(a.pk) == wanted), None)
    if selected is None and arrangements:
        selected = arrangements[0]
    user = ctx.user
    data = {
        "arrangements": arrangements,
        "selected": selected,
        "can_add": user.has_perm(ADD),
        "can_delete": user.has_perm(DELETE),
        "blockers": [
            w for w in arrangement_warnings(account=ctx.account, on=ctx.today) if w.blocks
        ],
        "delete_form": DeleteForm(prefix="del"),
        "wizard": None,
    }
    data.update(extra)
    if "selected_pk" in extra:
        data["selected"] = next((a for a in arrangements if a.pk == extra["selected_pk"]), selected)
    return data


register_tab(
    key=TAB,
    label="Arrangements",
    order=110,
    template=TEMPLATE,
    context=tab_context,
    has_records=any_of("arrangements"),
    permission=VIEW,
)


@facts_provider(order=60)
def arrangement_facts(ctx: PanelContext, facts: Facts) -> None:
    """seed 004 Table 1 "On Arrangement": the account has an active arrangement."""
    facts.on_arrangement = marked(ctx, "active_arrangement")
