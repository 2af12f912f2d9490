"""Builders for service order tests, on top of the payments factories."""

import datetime as dt

from serviceorders.models import ServiceOrderType, TierStatus
from serviceorders.services.orders import service_order_complete, service_order_create

DISCONNECTED_ON = dt.date(2026, 1, 10)


def so_type(code: str) -> ServiceOrderType:
    return ServiceOrderType.objects.get(code=code)


def tier(code: str) -> TierStatus:
    return TierStatus.objects.get(code=code)


def order(account, code: str = "METERREAD", **fields):
    fields.setdefault("effective_date", DISCONNECTED_ON)
    fields.setdefault("origin", "user")
    return service_order_create(account=account, type=so_type(code), **fields)


def shut_off(account, tier_code: str = "DISCONNECTED"):
    """A completed disconnect for non-pay with `tier_code`: the account is shut off."""
    disconnect = order(account, "DISCNP", tier_status=tier(tier_code))
    return service_order_complete(order=disconnect, completed_on=DISCONNECTED_ON)
