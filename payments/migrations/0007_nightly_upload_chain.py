"""The payment upload chain in the nightly batch (issue 9 item 6): files import -> upload
-> To Do -> retry -> purge, after the jobs already there. Editable in the admin (the
periodic task's kwargs); a job name that is not registered is skipped by the chain."""

import json

from django.db import migrations

NIGHTLY = "OpenCIS nightly batch"
UPLOAD_CHAIN = [
    "payment_files_import",
    "payment_upload",
    "payment_upload_todo",
    "payment_retry_errors",
    "payment_staging_purge",
]


def forward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        jobs = [j for j in kwargs.get("jobs", []) if j not in UPLOAD_CHAIN]
        kwargs["jobs"] = jobs + UPLOAD_CHAIN
        task.kwargs = json.dumps(kwargs)
        task.save(update_fields=["kwargs"])


def backward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        kwargs["jobs"] = [j for j in kwargs.get("jobs", []) if j not in UPLOAD_CHAIN]
        task.kwargs = json.dumps(kwargs)
        task.save(update_fields=["kwargs"])


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_h1_upload_intake"),
        ("cis", "0002_roles_and_nightly_schedule"),
    ]
    operations = [migrations.RunPython(forward, backward)]
