"""Fixtures shared by every test package."""

import pytest


def _delete_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """A transactional test's flush: DELETE the rows of the tables that have any, instead of
    one TRUNCATE of every table (a TRUNCATE makes new files for ~110 tables and their
    indexes: 2-3 s per transactional test on this machine, against ~0.1 s). Triggers (the
    frozen-ledger guards) and foreign-key checks are off for that one transaction, as
    TRUNCATE skips them; every table is emptied, so nothing is left dangling. Needs a
    superuser (session_replication_role); otherwise, and when sequences are to be reset,
    Django's TRUNCATE."""
    if reset_sequences or not tables or not _superuser(self.connection):
        return _truncate_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    quoted = [self.quote_name(t) for t in tables]
    with self.connection.cursor() as cursor:
        probes = (
            f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {t})"  # noqa: S608 - Django's table names
            for i, t in enumerate(quoted)
        )
        cursor.execute(" UNION ALL ".join(probes))
        full = [quoted[i] for (i,) in cursor.fetchall()]
    if not full:
        return []
    return [
        "SET LOCAL session_replication_role = replica",
        *(f"DELETE FROM {t}" for t in full),  # noqa: S608 - Django's table names
        "SET LOCAL session_replication_role = DEFAULT",
    ]


def _superuser(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


try:
    from django.db.backends.postgresql.operations import DatabaseOperations
except ImportError:  # no psycopg: not the PostgreSQL suite
    pass
else:
    _truncate_flush = DatabaseOperations.sql_flush
    DatabaseOperations.sql_flush = _delete_flush


@pytest.fixture
def reference_data(db):
    from accounts.reference import reference_data_load

    reference_data_load()
