"""Folders other systems drop files into (payment files, ACH returns): what is waiting,
and where a file goes once read. Shared by every app's inbox job."""

import shutil
from pathlib import Path

from django.db import transaction
from django.utils import timezone

DONE, REJECTED = "done", "rejected"


def inbox_files(inbox: Path) -> list[Path]:
    """Files waiting, oldest name first; `done/` and `rejected/` are not the inbox, and
    hidden files and `*.part` / `*.tmp` (a transfer still writing) are left alone."""
    if not inbox.is_dir():
        return []
    found = []
    for path in sorted(inbox.rglob("*")):
        relative = path.relative_to(inbox)
        if relative.parts[0] in (DONE, REJECTED) or not path.is_file():
            continue
        if path.name.startswith(".") or path.suffix in (".part", ".tmp"):
            continue
        found.append(path)
    return found


def move_after_commit(path: Path, inbox: Path, folder: str) -> None:
    """Move `path` into `folder` (DONE or REJECTED) once the transaction that read it
    commits; the same name arriving twice keeps both."""
    target = inbox / folder / path.relative_to(inbox)
    if target.exists():
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        target = target.with_name(f"{target.stem}.{stamp}{target.suffix}")

    def move() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)

    transaction.on_commit(move)
