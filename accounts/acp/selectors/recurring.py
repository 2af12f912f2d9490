"""The Recurring Items tab's reads (seed 004): the items of the account, its customer and
its location; searchable by code, description, type or effective date; "active only"."""

import contextlib
import datetime as dt

from django.db.models import Q

from ...models import RecurringItem
from ...panel import PanelContext


def recurring_q(ctx: PanelContext) -> Q:
    return (
        Q(level=RecurringItem.Level.ACCOUNT, account_id=ctx.account.pk)
        | Q(level=RecurringItem.Level.CUSTOMER, customer_id=ctx.account.customer_id)
        | Q(level=RecurringItem.Level.LOCATION, location_id=ctx.account.location_id)
    )


def has_recurring_items(ctx: PanelContext) -> bool:
    """The tab's red marker: one EXISTS query."""
    return RecurringItem.objects.filter(recurring_q(ctx)).exists()


def panel_recurring_items(
    ctx: PanelContext, *, active_only: bool = False, search: str = ""
) -> list[RecurringItem]:
    qs = RecurringItem.objects.filter(recurring_q(ctx)).select_related("item_type")
    if active_only:
        qs = qs.filter(is_active=True)
    if search:
        q = (
            Q(item_type__code__icontains=search)
            | Q(description__icontains=search)
            | Q(item_type__description__icontains=search)
            | Q(level__icontains=search)
        )
        with contextlib.suppress(ValueError):
            q |= Q(effective_on=dt.date.fromisoformat(search))
        qs = qs.filter(q)
    return list(qs)


def panel_recurring_get(ctx: PanelContext, *, pk: int) -> RecurringItem | None:
    return (
        RecurringItem.objects.filter(recurring_q(ctx), pk=pk)
        .select_related("item_type", "created_by")
        .first()
    )
