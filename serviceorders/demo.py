"""Demo service orders (`seed_demo`): the seed 000 example, a disconnected account whose
next real-time payment reconnects it, and an open meter read. Deterministic for a seed.

The demo numbers accounts with ten digits, so there is no account "159": the panel
showcase's shut-off account plays its part."""

from datetime import timedelta

from django.db import transaction

from accounts.demo import showcase_accounts
from accounts.models import Account
from cis.demo import DemoContext, register_step

from .models import ServiceOrder, ServiceOrderType, TierStatus
from .reference import reference_data_load
from .services.orders import service_order_complete, service_order_create


@register_step(47, "service orders: a disconnected account and an open meter read")
@transaction.atomic
def demo_service_orders(ctx: DemoContext) -> None:
    reference_data_load()
    if ServiceOrder.objects.exists():
        ctx.log("service orders exist already: skipped")
        return
    picks = showcase_accounts(ctx)
    if not picks:
        return
    disconnected = Account.objects.get(number=picks["shut_off"])
    # The showcase account may owe nothing; the account owing most is shut off for non-pay
    # too, so `make run` has one whose payment must first cover its past due.
    owing = (
        Account.objects.filter(
            is_suspense=False,
            balance__gt=0,
            customer__is_public=True,
            service_status=Account.ServiceStatus.CONNECTED,
        )
        .exclude(number__in=picks.values())
        .order_by("-balance", "number")
        .first()
    )
    for account in [disconnected] + ([owing] if owing else []):
        disconnect = service_order_create(
            account=account,
            type=ServiceOrderType.objects.get(code="DISCNP"),
            tier_status=TierStatus.objects.get(code="DISCONNECTED"),
            effective_date=ctx.as_of - timedelta(days=3),
            origin=ServiceOrder.Origin.JOB,
            notes="Disconnected for non-pay; a payment reconnects it (seed 000).",
        )
        service_order_complete(order=disconnect, completed_on=ctx.as_of - timedelta(days=2))
    numbers = sorted(
        n
        for n in Account.objects.filter(is_suspense=False).values_list("number", flat=True)
        if n.isdigit() and n not in picks.values() and (owing is None or n != owing.number)
    )
    if numbers:
        reading = Account.objects.get(number=numbers[ctx.seed % len(numbers)])
        service_order_create(
            account=reading,
            type=ServiceOrderType.objects.get(code="METERREAD"),
            effective_date=ctx.as_of + timedelta(days=1),
            origin=ServiceOrder.Origin.USER,
            notes="Check read: the customer disputes the last reading.",
        )
    also = f" and {owing.number} (owes {owing.balance})" if owing else ""
    ctx.log(f"service orders: accounts {disconnected.number}{also} disconnected, a meter read open")
