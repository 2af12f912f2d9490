"""The delinquency jobs in the nightly batch (issue 12 item 9): late notices, their email
delivery, penalties, the arrangement review and the shut-off candidates, in that order,
after tonight's payments (upload, autopay) so nobody who paid today is chased. They go in
before `reconnect_held_payments` when it is there (that job stays the chain's last, its
own tests say so). Editable in the admin (the periodic task's kwargs). A name whose job is
not registered (an app not installed) is skipped by the chain (cis.tasks.batch_run_task)."""

import json

from django.db import migrations

NIGHTLY = "OpenCIS nightly batch"
JOBS = [
    "delinquency_notices",
    "late_notice_delivery",
    "delinquency_penalties",
    "arrangement_review",
    "shutoff_candidates",
]
LAST = "reconnect_held_payments"


def forward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(name=NIGHTLY):
        kwargs = json.loads(task.kwargs or "{}")
        jobs = [j for j in kwargs.get("jobs", []) if j not in JOBS]
        at = jobs.index(LAST) if LAST in jobs else len(jobs)
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
        ("delinquency", "0005_notice_delivery_penalty_bill"),
        ("serviceorders", "0003_nightly_reconnect_job"),
    ]
    operations = [migrations.RunPython(forward, backward)]
