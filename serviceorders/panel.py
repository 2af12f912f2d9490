"""Service orders on the Account Control Panel (seed 004): the Service Orders tab, the
open-order count for the Message Center and the location card's icon."""

from django.db.models import QuerySet

from accounts.panel import Facts, PanelContext, facts_provider, register_tab

from .forms import STATUS_FILTERS, ServiceOrderForm
from .models import ServiceOrder
from .selectors import (
    decisions_for_account,
    open_order_count,
    orders_for_account,
    orders_for_location,
)

TAB = "serviceorders"
TEMPLATE = "serviceorders/acp/tab.html"


def tab_orders(ctx: PanelContext, *, status: str, whole_location: bool) -> QuerySet:
    """The tab's list: this account's orders, or every order at its location (seed 004:
    "regardless of which Customer may be associated"), filtered by completion."""
    if whole_location:
        orders = orders_for_location(location=ctx.location, completion=status)
    else:
        orders = orders_for_account(account=ctx.account, completion=status)
    return orders.order_by("-effective_date", "-pk")


def tab_context(ctx: PanelContext, **extra) -> dict:
    params = ctx.request.GET if ctx.request.method == "GET" else ctx.request.POST
    status = params.get("so_status", "incomplete")
    if status not in STATUS_FILTERS:
        status = "incomplete"
    whole_location = params.get("so_location") == "1"
    user = ctx.user
    data = {
        "orders": list(tab_orders(ctx, status=status, whole_location=whole_location)),
        "so_status": status,
        "so_location": whole_location,
        "can_add": user.has_perm("serviceorders.add_serviceorder"),
        "can_change": user.has_perm("serviceorders.change_serviceorder"),
        "can_delete": user.has_perm("serviceorders.delete_serviceorder"),
        "form": None,
        "editing": None,
        "decisions": list(decisions_for_account(account=ctx.account).order_by("-decided_at")[:20]),
    }
    data.update(extra)
    if data["form"] is None and data["can_add"]:
        data["form"] = ServiceOrderForm(
            initial={"effective_date": ctx.today}, today=ctx.today, prefix="so"
        )
    return data


register_tab(
    key=TAB,
    label="Service Orders",
    order=80,
    template=TEMPLATE,
    context=tab_context,
    has_records=lambda ctx: ServiceOrder.objects.filter(account=ctx.account).exists(),
    permission="serviceorders.view_serviceorder",
)


@facts_provider(order=40)
def service_order_facts(ctx: PanelContext, facts: Facts) -> None:
    """Open (not completed, not cancelled) orders on the account: the Message Center's
    "Open service orders" and the location card's wrench."""
    facts.open_service_orders = open_order_count(account=ctx.account)
