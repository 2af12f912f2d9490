"""Batch jobs of the payments app: the upload chain (files import -> upload -> To Do ->
retry -> purge)."""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register
from cis.models import BatchRun

from .upload import job, maintenance, todo  # noqa: F401  (they register their jobs)
from .upload.inbox import inbox_files, inbox_import_all

FILES_IMPORT = "payment_files_import"


def _inbox_waiting(business_date: date):
    """The inbox is not rows: while files wait, the work item is this run itself (one
    chunk imports them all); once they are moved out, there is nothing left to do."""
    if not inbox_files():
        return BatchRun.objects.none()
    return BatchRun.objects.filter(job=FILES_IMPORT, business_date=business_date)


def _import_files(runs: list[BatchRun], business_date: date) -> ChunkResult:
    result = inbox_import_all()
    return ChunkResult(
        done=len(result.staged),
        skipped=len(result.rejected),
        errors=result.rejected,
    )


register(
    BatchJob(
        name=FILES_IMPORT,
        description="Import every payment file waiting in the inbox (OPENCIS_PAYMENT_INBOX) into "
        "upload staging; move each to done/ or rejected/ (the reasons are this run's errors).",
        select=_inbox_waiting,
        process=_import_files,
    )
)
