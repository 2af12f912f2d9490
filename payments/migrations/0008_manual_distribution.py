"""Payments remember whether the CSR entered their amounts per SA (issue 7 item 2): a
plan the system made is planned again on the debt at freeze, the CSR's is frozen as
entered. Unfrozen payments distributed before this field existed are taken as the CSR's
when their plan holds no overpayment (a CSR never enters one), so freezing them posts
what it did before; a plan with an overpayment segment is the system's."""

from django.db import migrations, models


def forward(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    Payment.objects.filter(status="incomplete", segments__isnull=False).exclude(
        segments__is_overpayment=True
    ).update(is_manual_distribution=True)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0007_nightly_upload_chain"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="is_manual_distribution",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
