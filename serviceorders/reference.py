"""Starter service order codes (idempotent): types, classes, tier statuses and the
auto-reconnect options row. The data migration loads the same; tests and the demo call
`reference_data_load` after a flush. Utilities edit all of it in the admin."""

from django.db import transaction

# code: (description, kind)
TYPES = {
    "DISCNP": ("Disconnect for non-pay", "disconnect"),
    "RECON": ("Reconnect", "reconnect"),
    "CONNECT": ("Connect service", "connect"),
    "METERREAD": ("Meter read", "meter_read"),
    "OTHER": ("Other", "other"),
}
CLASSES = {"RECONNECT": "Reconnect after payment", "STANDARD": "Standard"}
# code: (description, eligible for auto-reconnects)
TIERS = {
    "NOTICE": ("Disconnect notice", False),
    "DISCONNECTED": ("Disconnected for non-pay", True),
    "FIELD": ("Field disconnect (meter pulled)", False),
}
RECONNECT_CLASS = "RECONNECT"


def reference_rows_load(*, type_model, class_model, tier_model, options_model) -> None:
    for code, (description, kind) in TYPES.items():
        type_model.objects.get_or_create(
            code=code, defaults={"description": description, "kind": kind}
        )
    for code, description in CLASSES.items():
        class_model.objects.get_or_create(code=code, defaults={"description": description})
    for code, (description, eligible) in TIERS.items():
        tier_model.objects.get_or_create(
            code=code,
            defaults={"description": description, "is_auto_reconnect_eligible": eligible},
        )
    options_model.objects.get_or_create(
        pk=1, defaults={"reconnect_class": class_model.objects.get(code=RECONNECT_CLASS)}
    )


@transaction.atomic
def reference_data_load() -> None:
    from .models import ReconnectOptions, ServiceOrderClass, ServiceOrderType, TierStatus

    reference_rows_load(
        type_model=ServiceOrderType,
        class_model=ServiceOrderClass,
        tier_model=TierStatus,
        options_model=ReconnectOptions,
    )
