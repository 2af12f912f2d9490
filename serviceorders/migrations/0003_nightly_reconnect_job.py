"""`reconnect_held_payments` in the nightly batch (issue 11 item 4), after the payment
upload and autopay chains, so payments posted tonight are decided with the rest. Editable in
the admin (the periodic task's kwargs)."""

import json

from django.db import migrations

NIGHTLY = "OpenCIS nightly batch"
JOB = "reconnect_held_payments"


def forward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        kwargs["jobs"] = [j for j in kwargs.get("jobs", []) if j != JOB] + [JOB]
        task.kwargs = json.dumps(kwargs)
        task.save(update_fields=["kwargs"])


def backward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        kwargs["jobs"] = [j for j in kwargs.get("jobs", []) if j != JOB]
        task.kwargs = json.dumps(kwargs)
        task.save(update_fields=["kwargs"])


class Migration(migrations.Migration):
    dependencies = [
        ("serviceorders", "0002_reference_data"),
        ("autopay", "0005_notices_card_expiry"),
    ]
    operations = [migrations.RunPython(forward, backward)]
