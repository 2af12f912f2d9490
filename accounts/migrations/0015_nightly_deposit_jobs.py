"""The deposit jobs in the nightly batch (issue 13 item 3), right after `complete_bills`:
`deposit_final_bills` applies deposits to final bills the `bill_completed` receiver left
out, before the autopay sweep looks at those bills; `deposit_interest` books last month's
interest (nothing after the month's first run). Editable in the admin (the periodic task's
kwargs)."""

import json

from django.db import migrations

NIGHTLY = "OpenCIS nightly batch"
JOBS = ["deposit_final_bills", "deposit_interest"]
AFTER = "complete_bills"


def forward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        jobs = [j for j in kwargs.get("jobs", []) if j not in JOBS]
        at = jobs.index(AFTER) + 1 if AFTER in jobs else 0
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
        ("accounts", "0014_deposits"),
        ("cis", "0002_roles_and_nightly_schedule"),
    ]
    operations = [migrations.RunPython(forward, backward)]
