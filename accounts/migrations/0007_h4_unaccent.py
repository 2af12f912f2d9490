"""PostgreSQL's unaccent extension for the accent-insensitive panel search (issue 8 item
13). CreateExtension does nothing on other databases; SQLite gets a Python UNACCENT()
from accounts.apps."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_h10_todo_queue")]

    operations = [UnaccentExtension()]
