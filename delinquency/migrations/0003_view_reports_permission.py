"""The `delinquency.view_reports` permission (the Reports menu). CSRs and up get it through
cis.roles ("delinquency", "view_")."""

from django.db import migrations


def create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ct, _ = ContentType.objects.get_or_create(app_label="delinquency", model="creditattributes")
    Permission.objects.get_or_create(
        content_type=ct, codename="view_reports", defaults={"name": "Can view delinquency reports"}
    )


def remove(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="delinquency", codename="view_reports").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("delinquency", "0002_reference_data"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, remove)]
