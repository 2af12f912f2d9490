"""The refund payment jobs in the nightly batch (issue 13 item 2), right after the ACH
draft extract: `refund_check_register` writes the check register of the refunds approved
that day, `autopay_refunds_ach` their ACH credit file; nothing is written on a night with
no approved refund. Editable in the admin (the periodic task's kwargs)."""

import json

from django.db import migrations

NIGHTLY = "OpenCIS nightly batch"
JOBS = ["refund_check_register", "autopay_refunds_ach"]
AFTER = "autopay_extract_ach"


def forward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        jobs = [j for j in kwargs.get("jobs", []) if j not in JOBS]
        if AFTER not in jobs:
            continue  # a utility that took the ACH extract out chooses its own chain
        at = jobs.index(AFTER) + 1
        kwargs["jobs"] = jobs[:at] + JOBS + jobs[at:]
        task.kwargs = json.dumps(kwargs)
        task.save(update_fields=["kwargs"])


def backward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        kwargs["jobs"] = [j for j in kwargs.get("jobs", []) if j not in JOBS]
        task.kwargs = json.dumps(kwargs)
        task.save(update_fields=["kwargs"])


class Migration(migrations.Migration):
    dependencies = [
        ("autopay", "0005_notices_card_expiry"),
        ("autopay", "0003_nightly_autopay_chain"),
        ("accounts", "0016_refunds"),
    ]
    operations = [migrations.RunPython(forward, backward)]
