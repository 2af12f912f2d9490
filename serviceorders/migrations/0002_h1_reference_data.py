"""Starter service order codes (issue 11): types, the RECONNECT class, tier statuses and the
auto-reconnect options row. Utilities edit all of it in the admin."""

from django.db import migrations

TYPES = [
    ("DISCNP", "Disconnect for non-pay", "disconnect"),
    ("RECON", "Reconnect", "reconnect"),
    ("CONNECT", "Connect service", "connect"),
    ("METERREAD", "Meter read", "meter_read"),
    ("OTHER", "Other", "other"),
]
CLASSES = [("RECONNECT", "Reconnect after payment"), ("STANDARD", "Standard")]
TIERS = [
    ("NOTICE", "Disconnect notice", False),
    ("DISCONNECTED", "Disconnected for non-pay", True),
    ("FIELD", "Field disconnect (pull meter)", False),
]


def load(apps, schema_editor):
    ServiceOrderType = apps.get_model("serviceorders", "ServiceOrderType")
    ServiceOrderClass = apps.get_model("serviceorders", "ServiceOrderClass")
    TierStatus = apps.get_model("serviceorders", "TierStatus")
    ReconnectOptions = apps.get_model("serviceorders", "ReconnectOptions")
    for code, description, kind in TYPES:
        ServiceOrderType.objects.get_or_create(
            code=code, defaults={"description": description, "kind": kind}
        )
    for code, description in CLASSES:
        ServiceOrderClass.objects.get_or_create(code=code, defaults={"description": description})
    for code, description, eligible in TIERS:
        TierStatus.objects.get_or_create(
            code=code,
            defaults={"description": description, "is_auto_reconnect_eligible": eligible},
        )
    ReconnectOptions.objects.get_or_create(
        pk=1, defaults={"reconnect_class": ServiceOrderClass.objects.get(code="RECONNECT")}
    )


class Migration(migrations.Migration):
    dependencies = [("serviceorders", "0001_h1_service_orders")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
