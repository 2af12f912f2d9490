"""`payment_upload_todo` (seed 003 step 7.4): one To Do entry per staging record in error.

Work item: an open upload exception. The runner locks it (FOR UPDATE SKIP LOCKED), and the
entry's `source` names the staging record ("payments.PaymentStaging:42"): an open entry for
that record means nothing is created, so a re-run or a second worker never makes two. The
database says so too (`one_open_todo_per_staging_record`): an entry another transaction
inserted after our check makes this insert a skip, not a second entry.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Case, CharField, Exists, OuterRef, Value, When
from django.db.models.functions import Cast, Coalesce, Concat

from accounts.models import ToDoEntry
from accounts.services.work import todo_create
from cis.batch import BatchJob, ChunkResult, register

from ..models import UploadException

TODO_TYPE = "TD-PYUPL"


def exception_source(exc: UploadException) -> str:
    for field, model in (
        ("payment_staging_id", "PaymentStaging"),
        ("tender_staging_id", "TenderStaging"),
        ("deposit_staging_id", "DepositStaging"),
    ):
        pk = getattr(exc, field)
        if pk:
            return f"payments.{model}:{pk}"
    raise ValueError(f"upload exception {exc.pk} names no record")


def _without_todo(business_date: date):
    """Open exceptions whose record has no open To Do entry yet."""
    source = Concat(
        Value("payments."),
        Case(
            When(payment_staging__isnull=False, then=Value("PaymentStaging:")),
            When(tender_staging__isnull=False, then=Value("TenderStaging:")),
            default=Value("DepositStaging:"),
        ),
        Cast(
            Coalesce("payment_staging_id", "tender_staging_id", "deposit_staging_id"), CharField()
        ),
        output_field=CharField(),
    )
    open_todo = ToDoEntry.objects.exclude(status=ToDoEntry.Status.COMPLETE).filter(
        source=OuterRef("todo_source")
    )
    return (
        UploadException.objects.filter(resolved_at__isnull=True)
        .annotate(todo_source=source)
        .exclude(Exists(open_todo))
    )


def todos_create(exceptions: list[UploadException], business_date: date) -> ChunkResult:
    result = ChunkResult()
    sources = {exc.pk: exception_source(exc) for exc in exceptions}
    existing = set(
        ToDoEntry.objects.filter(source__in=sources.values())
        .exclude(status=ToDoEntry.Status.COMPLETE)
        .values_list("source", flat=True)
    )
    for exc in exceptions:
        source = sources[exc.pk]
        if source in existing:
            result.skipped += 1
            continue
        staging = exc.payment_staging
        try:
            with transaction.atomic():
                todo_create(
                    type_code=TODO_TYPE,
                    subject=f"Payment upload exception ({exc.reason})"[:120],
                    detail=exc.message,
                    account=getattr(staging, "account", None),
                    source=source,
                )
        except IntegrityError:
            result.skipped += 1
            continue
        existing.add(source)
        result.done += 1
    return result


register(
    BatchJob(
        name="payment_upload_todo",
        description="Create one To Do entry (TD-PYUPL) per staging record in error, never two "
        "for the same record.",
        select=_without_todo,
        process=todos_create,
    )
)
