"""Autopay batch jobs: returns (registered on import by autopay/batch.py).

`ach_returns_import` applies every return / NOC file waiting in `OPENCIS_ACH_INBOX`
(default var/inbox/ach) through `ach_file_import`, then moves it to `done/` (applied, or
the same file seen before) or `rejected/` (malformed: the reason, with its line, is this
run's error). Files move only after the import committed. Hidden files and `*.part` /
`*.tmp` (a transfer still writing) are left alone.
"""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from cis.batch import BatchJob, ChunkResult, register
from cis.inbox import DONE, REJECTED, inbox_files, move_after_commit
from cis.models import BatchRun

from ..nacha import NachaFormatError
from ..services.returns import ach_file_import

RETURNS_IMPORT = "ach_returns_import"


def ach_inbox_path() -> Path:
    return Path(settings.OPENCIS_ACH_INBOX)


def ach_inbox_files(inbox: Path | None = None) -> list[Path]:
    return inbox_files(inbox or ach_inbox_path())


def _inbox_waiting(business_date: date):
    """While files wait, the work item is this run itself (one chunk imports them all);
    once they are moved out there is nothing left, so a re-run does nothing."""
    if not ach_inbox_files():
        return BatchRun.objects.none()
    return BatchRun.objects.filter(job=RETURNS_IMPORT, business_date=business_date)


def _import_files(runs: list[BatchRun], business_date: date) -> ChunkResult:
    inbox = ach_inbox_path()
    result = ChunkResult()
    for path in ach_inbox_files(inbox):
        try:
            with transaction.atomic():
                done = ach_file_import(name=path.name, data=path.read_bytes(), today=business_date)
        except NachaFormatError as error:
            move_after_commit(path, inbox, REJECTED)
            result.skipped += 1
            result.errors.append(f"{path.relative_to(inbox)}: rejected: {error}")
            continue
        move_after_commit(path, inbox, DONE)
        result.done += 1
        result.lines += done.returns_applied + done.changes_applied
        result.line_errors += done.exceptions
        if done.exceptions:  # the To Do entries say what; the run says where
            result.errors.append(f"{path.relative_to(inbox)}: {done.lines()[0]}")
    return result


register(
    BatchJob(
        name=RETURNS_IMPORT,
        description="Apply every ACH return / NOC file waiting in OPENCIS_ACH_INBOX (returns "
        "cancel autopay tenders, NOCs correct bank details); move each file to done/ or "
        "rejected/ (the reasons are this run's errors).",
        select=_inbox_waiting,
        process=_import_files,
    )
)
