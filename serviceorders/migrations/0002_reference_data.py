"""Starter service order codes (issue 11): types, the RECONNECT class, tier statuses and the
auto-reconnect options row (serviceorders.reference)."""

from django.db import migrations


def load(apps, schema_editor):
    from serviceorders.reference import reference_rows_load

    reference_rows_load(
        type_model=apps.get_model("serviceorders", "ServiceOrderType"),
        class_model=apps.get_model("serviceorders", "ServiceOrderClass"),
        tier_model=apps.get_model("serviceorders", "TierStatus"),
        options_model=apps.get_model("serviceorders", "ReconnectOptions"),
    )


class Migration(migrations.Migration):
    dependencies = [("serviceorders", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
