"""The payment inbox (issue 9 item 1): the nightly `payment_files_import` job takes every
file in `OPENCIS_PAYMENT_INBOX` through the same intake as the command and the screen,
then moves it to `done/` (staged) or `rejected/` (refused; the reason is in the BatchRun
errors and on the UploadFile record).

The format comes from the subfolder a file was dropped in (`bai2/`, `lockbox/`, `csv/`,
`processor-csv/`); a file at the top of the inbox is known by its extension (`.bai2`,
`.bai` / `.lbx` lockbox, `.csv` remittance). Hidden files and `*.part` / `*.tmp` (a
transfer still writing) are left alone. Files move only after the staging committed; a
file found again after a crash between the two (same name, same bytes, already imported
from the inbox) is moved to `done/` without a second import.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from cis.inbox import DONE, REJECTED, move_after_commit
from cis.inbox import inbox_files as waiting_files
from payments.models import UploadFile, UploadFormat

from .intake import _first_import, upload_file_import
from .report import upload_report

EXTENSIONS = {
    ".bai2": UploadFormat.BAI2,
    ".bai": UploadFormat.LOCKBOX,
    ".lbx": UploadFormat.LOCKBOX,
    ".csv": UploadFormat.CSV,
}


@dataclass
class InboxResult:
    staged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def inbox_path() -> Path:
    return Path(settings.OPENCIS_PAYMENT_INBOX)


def inbox_files(inbox: Path | None = None) -> list[Path]:
    """Files waiting, oldest name first; `done/` and `rejected/` are not the inbox."""
    return waiting_files(inbox or inbox_path())


def format_of(path: Path, inbox: Path) -> str | None:
    relative = path.relative_to(inbox)
    if len(relative.parts) > 1 and relative.parts[0] in UploadFormat.values:
        return relative.parts[0]
    return EXTENSIONS.get(path.suffix.lower())


@transaction.atomic
def inbox_import_all(*, inbox: Path | None = None) -> InboxResult:
    inbox = inbox or inbox_path()
    result = InboxResult()
    for path in inbox_files(inbox):
        format = format_of(path, inbox)
        if format is None:
            move_after_commit(path, inbox, REJECTED)
            result.rejected.append(
                f"{path.relative_to(inbox)}: rejected: no format (put it in one of the "
                f"folders {', '.join(UploadFormat.values)})"
            )
            continue
        data = path.read_bytes()
        first = _first_import(hashlib.sha256(data).hexdigest())
        if first and first.name == path.name and first.channel == "inbox":
            move_after_commit(path, inbox, DONE)  # imported before a crash; moved now
            continue
        upload = upload_file_import(name=path.name, data=data, format=format, channel="inbox")
        if upload.status == UploadFile.Status.REJECTED:
            move_after_commit(path, inbox, REJECTED)
            result.rejected.append(
                f"{path.relative_to(inbox)}: rejected: {upload.rejection_reason}"
            )
        else:
            move_after_commit(path, inbox, DONE)
            result.staged.append(upload_report(upload=upload).lines()[0])
    return result
