"""What an imported file staged, in sentences for the command, the inbox job and the
upload screen."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from cis.money import money_format
from payments.models import PaymentStaging, StagingStatus, TenderStaging, UploadFile


@dataclass
class UploadReport:
    upload: UploadFile
    deposits: int = 0
    tenders: int = 0
    payments: int = 0
    pending: int = 0
    errors: int = 0
    already_posted: int = 0
    unknown_accounts: int = 0
    total: Decimal = Decimal("0.00")
    error_lines: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return self.upload.status == UploadFile.Status.REJECTED

    def lines(self) -> list[str]:
        upload = self.upload
        if self.rejected:
            return [f"{upload.name}: rejected: {upload.rejection_reason}"]
        out = [
            f"{upload.name}: staged as upload #{upload.pk} ({upload.get_format_display()}, "
            f"{upload.tender_source.code}): {self.payments} payment line(s) totalling "
            f"{money_format(self.total)} in {self.tenders} tender group(s) of "
            f"{self.deposits} deposit(s)",
            f"  pending: {self.pending}, in error: {self.errors}, "
            f"already posted: {self.already_posted}, "
            f"account not found (suspense): {self.unknown_accounts}",
        ]
        out += [f"  {line}" for line in self.error_lines]
        out += [f"  note: {note}" for note in upload.notes.splitlines()]
        return out


def upload_report(*, upload: UploadFile, errors_shown: int = 50) -> UploadReport:
    report = UploadReport(upload=upload, total=upload.total)
    if report.rejected:
        return report
    stagings = PaymentStaging.objects.filter(tender_staging__deposit_staging__upload_file=upload)
    counts = stagings.aggregate(
        payments=Count("pk"),
        pending=Count("pk", filter=Q(status=StagingStatus.PENDING)),
        errors=Count("pk", filter=Q(status=StagingStatus.ERROR)),
        already_posted=Count("pk", filter=Q(already_posted=True)),
        unknown_accounts=Count(
            "pk", filter=Q(account__isnull=True) & ~Q(status=StagingStatus.ERROR)
        ),
    )
    for name, value in counts.items():
        setattr(report, name, value)
    report.deposits = upload.deposits.count()
    report.tenders = TenderStaging.objects.filter(deposit_staging__upload_file=upload).count()
    errored = stagings.filter(status=StagingStatus.ERROR).order_by("line_number")
    report.error_lines = [
        f"line {s.line_number}: {s.error_message}" for s in errored[:errors_shown]
    ]
    return report
