"""Starter delinquency configuration (issue 12): the default policy and the alert types
(delinquency.reference)."""

from django.db import migrations


def load(apps, schema_editor):
    from delinquency.reference import reference_rows_load

    reference_rows_load(
        policy_model=apps.get_model("delinquency", "DelinquencyPolicy"),
        alert_model=apps.get_model("delinquency", "AlertType"),
        adjustment_type_model=apps.get_model("accounts", "AdjustmentType"),
    )


class Migration(migrations.Migration):
    dependencies = [("delinquency", "0001_initial"), ("accounts", "0011_specialconditiontype_exemptions")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
