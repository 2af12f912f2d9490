"""Processor webhooks (issue 11 item 3): the Paymentus and CDS Global tender sources and the
processor's reversal / refund cancel reasons, for databases whose reference data is already
loaded (a new database gets them from `payments.reference`)."""

from django.db import migrations

SOURCES = {"PAYMENTUS": "Paymentus", "CDSGLOBAL": "CDS Global"}
REASONS = {"PROCREV": "Reversed by the processor", "PROCREFUND": "Refunded by the processor"}


def forward(apps, schema_editor):
    GLAccount = apps.get_model("accounts", "GLAccount")
    TenderSource = apps.get_model("payments", "TenderSource")
    PaymentCancelReason = apps.get_model("payments", "PaymentCancelReason")
    cash = GLAccount.objects.filter(code="1010").first()
    if cash is None:  # reference data not loaded yet: `payments.reference` adds them
        return
    for code, description in SOURCES.items():
        TenderSource.objects.get_or_create(
            code=code, defaults={"description": description, "kind": "processor", "cash_gl": cash}
        )
    for code, description in REASONS.items():
        PaymentCancelReason.objects.get_or_create(code=code, defaults={"description": description})


class Migration(migrations.Migration):
    dependencies = [("payments", "0008_manual_distribution")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
