"""The role groups (their permissions are granted after every migrate, see cis.roles) and
the nightly batch chain in django-celery-beat, editable in the admin."""

import json

from django.db import migrations

NIGHTLY = "OpenCIS nightly batch"


def forward(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ("CSR", "Supervisor", "Administrator"):
        Group.objects.get_or_create(name=name)
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="1", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="America/Chicago")
    PeriodicTask.objects.get_or_create(name=NIGHTLY, defaults={
        "task": "cis.nightly_batch",
        "crontab": schedule,
        "kwargs": json.dumps({"jobs": ["complete_bills"]}),
        "description": "Runs the nightly jobs in order; each starts when the one before "
                       "it completes. Edit the job list in kwargs.",
    })


def backward(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NIGHTLY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cis", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forward, backward)]
