"""Delinquency on the Account Control Panel: the Delinquency tab, which lists the account's
late notices (each with its PDF) and the penalty job's decisions (charged or skipped, and
why), so every decision the nightly jobs made is explainable from the account's screen."""

from accounts.panel import PanelContext, register_tab

from .models import LateNotice, PenaltyDecision
from .panel_markers import any_of

TAB = "delinquency"
TEMPLATE = "delinquency/acp/tab.html"
ROWS = 50


def tab_context(ctx: PanelContext) -> dict:
    return {
        "notices": list(LateNotice.objects.filter(account=ctx.account)[:ROWS]),
        "decisions": list(
            PenaltyDecision.objects.filter(account=ctx.account).select_related(
                "adjustment", "bill"
            )[:ROWS]
        ),
        "can_print_run": ctx.user.has_perm("delinquency.view_latenotice"),
    }


_has_records = any_of("notices", "decisions")


register_tab(
    key=TAB,
    label="Delinquency",
    order=85,
    template=TEMPLATE,
    context=tab_context,
    has_records=_has_records,
    permission="delinquency.view_latenotice",
)
