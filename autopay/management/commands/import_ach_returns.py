from datetime import date as Date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from autopay.nacha import NachaFormatError
from autopay.services.returns import ach_file_import


class Command(BaseCommand):
    help = (
        "Apply an ACH return / notification-of-change file from the bank: returns cancel "
        "their autopay tenders (fees, stops, re-presentments), NOCs correct the enrollment's "
        "bank details. Prints what it did; a malformed file is rejected (exit 1, the line "
        "named) and nothing is applied; the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--date",
            type=Date.fromisoformat,
            default=None,
            help="business date YYYY-MM-DD (default today)",
        )

    def handle(self, *args, file: Path, date: Date | None, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            result = ach_file_import(name=file.name, data=data, today=date)
        except NachaFormatError as exc:
            raise CommandError(f"{file.name}: rejected, nothing applied: {exc}") from None
        for line in result.lines():
            self.stdout.write(line)
