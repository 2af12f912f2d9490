"""Bulk writes for batch jobs and the demo generator.

Measured here: `bulk_create` inserts about 50,000 rows/s and `bulk_update` only about
3,300, so on PostgreSQL inserts go through COPY with ids taken from the table's sequence
up front, and increments through one `UPDATE ... FROM unnest(...)`.
Elsewhere (SQLite for `make run`) the plain ORM calls do the same job more slowly.

Two ways in: `bulk_insert` takes model instances; `bulk_insert_rows` takes plain tuples
and skips building instances altogether (about 3.5x faster, for the hottest tables: GL
lines, FTs, pay segments). Both convert values the way Django would: fields whose
conversion is Django's own identity for a plain Python value are written as they are, the
rest (encrypted text, JSON, datetimes, custom fields) go through `get_db_prep_save`.
"""

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.db.models.functions import Round
from django.utils import timezone
from django_fsm_log.models import StateLog

_COPY_THRESHOLD = 200
# Plain rows skip instances, so COPY (two round trips) pays off sooner than an INSERT
# whose thousands of parameters are interpolated client-side.
_ROWS_COPY_THRESHOLD = 20
# Internal types whose `get_db_prep_save` leaves an already-typed Python value unchanged on
# PostgreSQL (psycopg adapts int, str, bool, date and Decimal itself). Datetimes are not
# here: Django makes naive ones aware in the project's time zone first.
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "BooleanField",
        "CharField",
        "TextField",
        "DateField",
        "DecimalField",
        "ForeignKey",
        "OneToOneField",
    }
)
_CONVERSION_METHODS = ("get_prep_value", "get_db_prep_value", "get_db_prep_save", "pre_save")


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _is_plain(field: models.Field) -> bool:
    """True when writing the attribute value as it is equals what Django would write."""
    if field.get_internal_type() not in _PLAIN_TYPES:
        return False
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    # A subclass that converts values itself (e.g. EncryptedTextField) takes the slow road.
    return all(
        getattr(type(field), name).__module__.startswith(("django.", "django_fsm"))
        for name in _CONVERSION_METHODS
    )


@cache
def _instance_getters(model: type[models.Model]) -> list[Callable[[models.Model], object]]:
    getters = []
    for f in model._meta.concrete_fields:
        if _is_plain(f):
            getters.append(lambda obj, attname=f.attname: obj.__dict__.get(attname))
        else:
            getters.append(lambda obj, f=f: f.get_db_prep_save(f.pre_save(obj, True), connection))
    return getters


def bound_cursor():
    """A cursor whose parameters travel apart from the SQL text (server-side binding) on
    PostgreSQL, for statements with arrays of thousands of values: Django's psycopg cursor
    interpolates every value into the text client-side, which for a 5,000-element array
    costs more than the query. Wrapped as Django wraps its own, so query logging,
    `execute_wrapper` and `CaptureQueriesContext` see these statements too."""
    if not _is_postgres():
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    return reserve_ids({model: count})[model]


def reserve_ids(counts: dict[type[models.Model], int]) -> dict[type[models.Model], list[int]]:
    """Ids for rows of several tables, taken from their sequences in one statement (a bulk
    chunk writes seven tables: one round trip instead of seven). Empty elsewhere than on
    PostgreSQL, where inserts take their ids as they go: pass `.get(model)` on."""
    if not _is_postgres():
        return {}
    wanted = [(m, n) for m, n in counts.items() if n > 0]
    out: dict[type[models.Model], list[int]] = {m: [] for m in counts}
    if not wanted:
        return out
    parts = " UNION ALL ".join(
        f"(SELECT {k}, nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s))"  # noqa: S608
        for k in range(len(wanted))  # only numbers in the text: tables are parameters
    )
    params = [v for m, n in wanted for v in (m._meta.db_table, n)]
    with connection.cursor() as cursor:
        cursor.execute(parts, params)
        for k, pk in cursor.fetchall():
            out[wanted[k][0]].append(pk)
    return out


def _copy(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    raw = connection.cursor().cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def bulk_insert(
    model: type[models.Model], objs: Sequence[models.Model], *, reserved: bool = False
) -> None:
    """Insert `objs` and set their primary keys. Runs no `save()` and sends no signals.
    A model whose primary key is not an auto field (a one-to-one key) takes the keys the
    objects carry, and so do objects whose ids the caller `reserved` already
    (`reserve_ids`: a number made from the id, say)."""
    if not objs:
        return
    if not _is_postgres() or len(objs) < _COPY_THRESHOLD:
        model.objects.bulk_create(objs, batch_size=2000)
        return
    if reserved:
        if any(obj.pk is None for obj in objs):
            raise ValueError(f"{model.__name__}: every object needs its reserved id")
    elif isinstance(model._meta.pk, models.fields.AutoFieldMixin):
        for obj, pk in zip(objs, _reserve_ids(model, len(objs)), strict=True):
            obj.pk = pk
    elif any(obj.pk is None for obj in objs):
        raise ValueError(f"{model.__name__}: every object needs its primary key")
    getters = _instance_getters(model)
    columns = [f.column for f in model._meta.concrete_fields]
    _copy(model, columns, ([get(obj) for get in getters] for obj in objs))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"


def bulk_insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    ids: Sequence[int] | None = None,
) -> list[int]:
    """Insert plain rows (values for `fields`, by attname) and return their new ids.

    For hot tables: no model instances are built on PostgreSQL. Values must already have
    their Python types (int, str, bool, date, Decimal); fields left out take their database
    default, so give every field without one. `ids`: taken already (`reserve_ids`), one per
    row.
    """
    if not rows:
        return []
    if ids is not None and _is_postgres():
        if len(ids) != len(rows):
            raise ValueError(f"{len(ids)} ids for {len(rows)} rows")
    elif not _is_postgres() or len(rows) < _ROWS_COPY_THRESHOLD:
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=2000)
        return [obj.pk for obj in objs]
    else:
        ids = _reserve_ids(model, len(rows))
    meta = model._meta
    columns = ["id", *(meta.get_field(name).column for name in fields)]
    _copy(model, columns, ((pk, *row) for pk, row in zip(ids, rows, strict=True)))
    return list(ids)


def bulk_update_rows(
    model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """`bulk_update(objs, fields)` in one `UPDATE ... FROM unnest(...)` on PostgreSQL, the
    values bound as arrays: Django's `bulk_update` builds a CASE of one WHEN per row and
    field, which costs seconds of Python for a few thousand rows (about 3,300 rows/s)."""
    if not objs:
        return
    if not _is_postgres():
        model.objects.bulk_update(objs, fields, batch_size=2000)
        return
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    columns = ["id", *(f.column for f in concrete)]
    types = ["bigint", *(f.db_type(connection) for f in concrete)]
    arrays = [[obj.pk for obj in objs]]
    for f in concrete:
        if _is_plain(f):  # written as it is, as `_instance_getters` does
            arrays.append([obj.__dict__.get(f.attname) for obj in objs])
        else:
            arrays.append([f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objs])
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    sets = ", ".join(f"{quote(c)} = d.{quote(c)}" for c in columns[1:])
    names = ", ".join(quote(c) for c in columns)
    with bound_cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {sets} "  # noqa: S608
            f"FROM unnest({unnest}) AS d({names}) WHERE t.id = d.id",
            arrays,
        )


def id_in(ids: Iterable[int]) -> list[int] | RawSQL:
    """The right side of `pk__in=` for thousands of ids: on PostgreSQL one array parameter
    (`IN (SELECT unnest(...))`) instead of one placeholder per id, which costs more to
    build and send than the query takes to run."""
    ids = sorted(set(ids))
    if _is_postgres() and len(ids) > 50:
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def bulk_increment(
    model: type[models.Model],
    field: str,
    deltas: dict[int, Decimal],
    *,
    below: Decimal | None = None,
) -> list[int]:
    """Add `deltas[pk]` to `field` of each row, rows updated in pk order (the lock order).

    With `below`, a row whose new absolute value would reach it is left alone (in the same
    statement, so a NUMERIC column never overflows); the ids of those rows are returned
    so the caller can refuse the work (and roll back).
    """
    if not deltas:
        return []
    ids = sorted(deltas)
    if not _is_postgres():
        refused = []
        for pk in ids:
            rows = model.objects.filter(pk=pk)
            if below is not None:
                current = rows.values_list(field, flat=True).first() or 0
                if abs(current + deltas[pk]) >= below:
                    refused.append(pk)
                    continue
            # SQLite keeps a decimal column as a binary float and adds in floats, so
            # `F + delta` alone leaves dust (154.47000000000003, -4.5e-13): round in the
            # same statement so the stored value is the nearest one to the exact sum.
            places = getattr(model._meta.get_field(field), "decimal_places", None)
            value = models.F(field) + deltas[pk]
            rows.update(**{field: value if places is None else Round(value, places)})
        return refused
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    guard = "" if below is None else f" AND abs(t.{column} + d.delta) < %s"
    params = [ids, [deltas[pk] for pk in ids]] + ([] if below is None else [below])
    with bound_cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {column} = t.{column} + d.delta "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::numeric[]) AS d(id, delta) WHERE t.id = d.id" + guard,
            params,
        )
        if below is None or cursor.rowcount == len(ids):
            return []
    # Rare: name the rows left alone (the caller is about to roll everything back).
    current = dict(model.objects.filter(pk__in=ids).values_list("pk", field))
    return [pk for pk in ids if pk not in current or abs(current[pk] + deltas[pk]) >= below]


_STATE_LOG_FIELDS = (
    "timestamp",
    "by_id",
    "source_state",
    "state",
    "transition",
    "content_type_id",
    "object_id",
)


def state_logs_insert(
    model: type[models.Model],
    ids: Sequence[int],
    *,
    source: str,
    target: str,
    transition: str,
    by_id: int | None = None,
    now=None,
    log_ids: Sequence[int] | None = None,
) -> None:
    """The transition log (django-fsm-log) of rows whose state a bulk path moved with one
    UPDATE instead of a transition and a save per row: the same rows `fsm_log_by` writes.
    `log_ids`: the log rows' ids, reserved already (`reserve_ids`)."""
    if not ids:
        return
    content_type = ContentType.objects.get_for_model(model).pk
    now = now or timezone.now()
    bulk_insert_rows(
        StateLog,
        _STATE_LOG_FIELDS,
        [(now, by_id, source, target, transition, content_type, pk) for pk in ids],
        ids=log_ids,
    )


def transaction_lock(key: int) -> None:
    """Hold the application lock `key` until the transaction ends: PostgreSQL's
    `pg_advisory_xact_lock`, which serializes the holders across workers. SQLite (`make
    run`) lets one write transaction run at a time anyway: nothing to take."""
    if not _is_postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
