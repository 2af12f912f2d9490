"""Every row lock the serviceorders app takes. Published order: Account (from
`accounts.lock_objects`, every account first, in one call) -> Service order, each set
ordered by pk. Creating, completing, cancelling and deleting an order lock its account
first, so a completion racing a reconnect created by a payment is serialised, and the
auto-reconnect receiver holds the account's lock while it decides."""

from django.db.models import QuerySet

from accounts.lock_objects import accounts_lock

from .models import ServiceOrder

__all__ = ["accounts_lock", "order_qs_select_for_update"]


def order_qs_select_for_update() -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.order_by("pk").select_for_update(of=("self",))
