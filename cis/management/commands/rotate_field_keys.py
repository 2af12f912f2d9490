from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from cis import crypto
from cis.crypto import EncryptedTextField


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the newest key in FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, run this, then drop the old key."
    )

    def handle(self, *args, **options):
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if fields:
                count = self._rotate(model, fields)
                self.stdout.write(f"{model._meta.label}: {count} row(s) re-encrypted")

    @transaction.atomic
    def _rotate(self, model, fields) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        columns = [connection.ops.quote_name(f.column) for f in fields]
        count = 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {', '.join(columns)} FROM {table}")  # noqa: S608
            rows = cursor.fetchall()
            for pk, *values in rows:
                rotated = [crypto.rotate(v) if v else v for v in values]
                if rotated != values:
                    assignments = ", ".join(f"{c} = %s" for c in columns)
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
                        [*rotated, pk],
                    )
                    count += 1
        return count
