"""Reads for the upload exceptions screen (issue 9 item 5): the exceptions a user may see,
filtered by file, date and reason, and the upload's payments waiting in suspense.

Visibility is the panel's one rule (accounts.acp.selectors.access): a line that resolved
to a private customer's account is seen only with `view_private_account`; a line with no
account yet (an unknown number) is seen by everyone who works exceptions."""

from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from accounts.models import Account, ChangeRecord
from accounts.selectors import accounts_visible, rows_visible

from ..models import Payment, PaymentStaging, UploadException, UploadFile

PRIVATE_PATHS = ("payment_staging__account__customer",)


class ExceptionView:
    OPEN = "open"
    RESOLVED = "resolved"
    ALL = "all"
    SUSPENSE = "suspense"
    CHOICES = [
        (OPEN, "Open"),
        (RESOLVED, "Resolved"),
        (ALL, "All exceptions"),
        (SUSPENSE, "Payments in suspense"),
    ]


@dataclass(frozen=True)
class ExceptionFilters:
    view: str = ExceptionView.OPEN
    upload_file_id: int | None = None
    day: date | None = None
    reason: str = ""


def exceptions_visible(*, user) -> QuerySet[UploadException]:
    return rows_visible(UploadException.objects.all(), user=user, via=PRIVATE_PATHS)


def upload_exceptions_list(*, user, filters: ExceptionFilters) -> QuerySet[UploadException]:
    """Newest first, with what a row shows (file, line, account)."""
    qs = exceptions_visible(user=user).select_related(
        "payment_staging__account__customer",
        "payment_staging__tender_staging__deposit_staging__upload_file",
        "tender_staging__deposit_staging__upload_file",
        "deposit_staging__upload_file",
        "resolved_by",
    )
    if filters.view == ExceptionView.OPEN:
        qs = qs.filter(resolved_at__isnull=True)
    elif filters.view == ExceptionView.RESOLVED:
        qs = qs.filter(resolved_at__isnull=False)
    if filters.upload_file_id:
        f = filters.upload_file_id
        qs = qs.filter(
            _file_q(f, "payment_staging__tender_staging__deposit_staging__upload_file")
            | _file_q(f, "tender_staging__deposit_staging__upload_file")
            | _file_q(f, "deposit_staging__upload_file")
        )
    if filters.day:
        qs = qs.filter(created_at__date=filters.day)
    if filters.reason:
        qs = qs.filter(reason=filters.reason)
    return qs.order_by("-created_at", "-pk")


def _file_q(file_id: int, path: str) -> Q:
    return Q(**{f"{path}_id": file_id})


def upload_exception_get(*, user, pk: int) -> UploadException | None:
    return (
        exceptions_visible(user=user)
        .select_related(
            "payment_staging__account__customer",
            "payment_staging__tender_type",
            "payment_staging__payment__account",
            "payment_staging__tender_staging__deposit_staging__upload_file",
            "payment_staging__tender_staging__tender_source",
            "tender_staging__deposit_staging__upload_file",
            "tender_staging__tender_source",
            "deposit_staging__upload_file",
            "resolved_by",
        )
        .filter(pk=pk)
        .first()
    )


def exception_reasons() -> list[str]:
    return list(
        UploadException.objects.order_by("reason").values_list("reason", flat=True).distinct()
    )


def exception_files() -> QuerySet[UploadFile]:
    """Files that raised exceptions, newest first (the file filter's choices)."""
    return (
        UploadFile.objects.filter(deposits__isnull=False)
        .exclude(status=UploadFile.Status.REJECTED)
        .order_by("-received_at", "-pk")
        .distinct()
    )


def suspense_lines(*, user, filters: ExceptionFilters) -> QuerySet[PaymentStaging]:
    """Upload lines whose payment waits in suspense (seed 003 step 7.0), with the file's
    reference, oldest first (the first to be moved)."""
    qs = PaymentStaging.objects.filter(
        to_suspense=True, payment__status=Payment.Status.FROZEN
    ).select_related(
        "payment__account", "tender_staging__deposit_staging__upload_file", "tender_type"
    )
    if filters.upload_file_id:
        qs = qs.filter(tender_staging__deposit_staging__upload_file_id=filters.upload_file_id)
    if filters.day:
        qs = qs.filter(payment__accounting_date=filters.day)
    return qs.order_by("pk")


def suspense_line_get(*, pk: int) -> PaymentStaging | None:
    return suspense_lines(user=None, filters=ExceptionFilters()).filter(pk=pk).first()


def account_for_correction(*, user, number: str) -> Account | None:
    """The account a CSR typed: None for a number that does not exist and, alike, for a
    private account this user may not see (issue 7 item 11)."""
    return accounts_visible(user=user).filter(number=number).first()


def staging_changes(record) -> list[ChangeRecord]:
    """What people changed on a staging record or exception, newest first."""
    return list(
        ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        ).select_related("user")
    )
