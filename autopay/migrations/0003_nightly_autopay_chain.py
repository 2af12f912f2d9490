"""The autopay chain in the nightly batch (issue 10 item 4), after the payment upload
chain: returns first (NOCs change bank details before the next extract), then create ->
distribute and freeze -> advance notices -> activate -> extract -> balance controls ->
card expiry. Editable in the admin (the periodic task's kwargs)."""

import json

from django.db import migrations

NIGHTLY = "OpenCIS nightly batch"
AUTOPAY_CHAIN = [
    "ach_returns_import",
    "autopay_create",
    "autopay_distribute_freeze",
    "autopay_advance_notices",
    "autopay_activate",
    "autopay_extract_ach",
    "autopay_balance_controls",
    "autopay_card_expiry",
]


def forward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        jobs = [j for j in kwargs.get("jobs", []) if j not in AUTOPAY_CHAIN]
        kwargs["jobs"] = jobs + AUTOPAY_CHAIN
        task.kwargs = json.dumps(kwargs)
        task.save(update_fields=["kwargs"])


def backward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        kwargs["jobs"] = [j for j in kwargs.get("jobs", []) if j not in AUTOPAY_CHAIN]
        task.kwargs = json.dumps(kwargs)
        task.save(update_fields=["kwargs"])


class Migration(migrations.Migration):
    dependencies = [
        ("autopay", "0002_clearing_extracts_returns"),
        ("payments", "0007_nightly_upload_chain"),
    ]
    operations = [migrations.RunPython(forward, backward)]
