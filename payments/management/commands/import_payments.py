from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payments.exceptions import PaymentError
from payments.models import UploadFormat
from payments.upload.intake import upload_file_import
from payments.upload.report import upload_report


class Command(BaseCommand):
    help = (
        "Import a payment file (bank BAI2, lockbox, CSV remittance, processor nightly file) "
        "into upload staging; prints what it staged, or why the file was refused (exit 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=UploadFormat.values)
        parser.add_argument(
            "--tender-source",
            default=None,
            help="tender source code (default: LOCKBOX for bai2 and lockbox, REMIT for csv, "
            "PROCESSOR for processor-csv)",
        )

    def handle(self, *args, file: Path, format: str, tender_source: str | None, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            upload = upload_file_import(
                name=file.name,
                data=data,
                format=format,
                tender_source=tender_source,
                channel="command",
            )
        except PaymentError as exc:
            raise CommandError(str(exc)) from None
        report = upload_report(upload=upload)
        if report.rejected:
            raise CommandError("\n".join(report.lines()))
        for line in report.lines():
            self.stdout.write(line)
