"""File intake (issue 9 item 1): record a payment file once, parse it, stage it.

Every way in (`import_payments`, the Supervisor's upload screen, the inbox job) ends here.
The file is recorded before anything is staged, unique by its SHA-256 (a database
constraint), so identical bytes are never staged twice: a second import is recorded as
rejected, naming the first. A file the reader refuses is recorded as rejected with the
reason and stages nothing. Otherwise every line becomes one payment staging row, in Error
with its line number and reason when it could not be read, in one transaction.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account
from cis.money import ZERO
from payments.exceptions import PaymentError
from payments.models import (
    DepositStaging,
    PayAdviceStaging,
    PaymentEvent,
    PaymentStaging,
    StagingStatus,
    TenderSource,
    TenderStaging,
    TenderType,
    UploadException,
    UploadFile,
    UploadFormat,
)

from .parsed import FileRejected, ParsedFile, ParsedPayment
from .parsers import parse_file

# Where each format's money comes from unless the caller names a tender source.
DEFAULT_TENDER_SOURCES = {
    UploadFormat.BAI2: "LOCKBOX",
    UploadFormat.LOCKBOX: "LOCKBOX",
    UploadFormat.CSV: "REMIT",
    # The Paymentus nightly file: the same source as its webhooks, so a line for a
    # transaction already posted in real time is recognised and posts nothing.
    UploadFormat.PROCESSOR_CSV: "PAYMENTUS",
}


def upload_file_import(
    *,
    name: str,
    data: bytes,
    format: str,
    tender_source: TenderSource | str | None = None,
    user=None,
    channel: str = "",
) -> UploadFile:
    """Record and stage one file; the returned record says what happened (`status`
    STAGED, or REJECTED with `rejection_reason`)."""
    if format not in UploadFormat.values:
        known = ", ".join(UploadFormat.values)
        raise PaymentError(f"unknown upload format {format!r} (known: {known})")
    upload = UploadFile(
        name=name[:255],
        format=format,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        received_by=user if user is not None and user.is_authenticated else None,
        channel=channel,
        line_count=len(data.splitlines()),
    )
    try:
        upload.tender_source = _tender_source(format, tender_source)
        if first := _first_import(upload.sha256):
            raise FileRejected(_duplicate_message(first))
        parsed = parse_file(data=data, format=format)
    except FileRejected as exc:
        return _rejected(upload, str(exc))
    try:
        with transaction.atomic():
            _stage(upload, parsed)
    except IntegrityError:
        # Another import of the same bytes committed first (the unique constraint).
        first = _first_import(upload.sha256)
        if first is None:
            raise
        upload.pk = None
        return _rejected(upload, _duplicate_message(first))
    return upload


def _tender_source(format: str, wanted: TenderSource | str | None) -> TenderSource:
    if isinstance(wanted, TenderSource):
        return wanted
    code = wanted or DEFAULT_TENDER_SOURCES[format]
    source = TenderSource.objects.filter(code=code).first()
    if source is None:
        raise FileRejected(f"there is no tender source {code!r} (see Tender sources in the admin)")
    return source


def _first_import(sha256: str) -> UploadFile | None:
    return (
        UploadFile.objects.filter(sha256=sha256)
        .exclude(status=UploadFile.Status.REJECTED)
        .order_by("pk")
        .first()
    )


def _duplicate_message(first: UploadFile) -> str:
    when = timezone.localtime(first.received_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"this file was already imported: identical bytes came in as {first.name!r} "
        f"(upload #{first.pk}, {when}); nothing was staged again"
    )


def _rejected(upload: UploadFile, reason: str) -> UploadFile:
    upload.status = UploadFile.Status.REJECTED
    upload.rejection_reason = reason
    upload.save()
    return upload


def _stage(upload: UploadFile, parsed: ParsedFile) -> None:
    lines = parsed.payments
    upload.payment_count = len(lines)
    upload.total = sum((p.amount for p in lines if p.amount is not None), ZERO)
    upload.line_count = parsed.line_count
    upload.notes = "\n".join(parsed.warnings)
    upload.save()
    source = upload.tender_source
    accounts = _accounts(lines)
    tender_types = {t.code: t for t in TenderType.objects.all()}
    posted = _already_posted(source, lines)
    now = timezone.now()
    staged: list[tuple[PaymentStaging, ParsedPayment, str]] = []
    _mark_repeats(lines)
    for deposit in parsed.deposits:
        deposit_row = DepositStaging.objects.create(
            upload_file=upload,
            deposit_date=deposit.deposit_date,
            expected_count=deposit.expected_count,
            expected_total=deposit.expected_total,
            created_at=now,
        )
        for tender in deposit.tenders:
            tender_row = TenderStaging.objects.create(
                deposit_staging=deposit_row,
                tender_source=source,
                reference=tender.reference[:80],
                expected_count=tender.expected_count,
                expected_total=tender.expected_total,
                created_at=now,
            )
            for line in tender.payments:
                row, reason = _payment_row(tender_row, line, accounts, tender_types, posted, now)
                staged.append((row, line, reason))
    PaymentStaging.objects.bulk_create([row for row, _, _ in staged])
    PayAdviceStaging.objects.bulk_create(
        PayAdviceStaging(
            payment_staging=row,
            account_reference=advice.account_reference,
            account_id=accounts.get(advice.account_reference),
            amount_text=advice.amount_text,
            amount=advice.amount,
        )
        for row, line, _ in staged
        for advice in line.advices
    )
    UploadException.objects.bulk_create(
        UploadException(
            payment_staging=row,
            reason=reason,
            message=f"line {row.line_number}: {row.error_message}",
            created_at=now,
        )
        for row, _, reason in staged
        if row.status == StagingStatus.ERROR
    )


def _payment_row(
    tender_row, line, accounts, tender_types, posted, now
) -> tuple[PaymentStaging, str]:
    """The staging row of one line, and the reason code of its error ("" when none)."""
    account_id, reference = _account_of(line, accounts)
    reason, error = line.error_reason, line.error
    tender_type = tender_types.get(line.tender_type) if line.tender_type else None
    if not error and line.tender_type and tender_type is None:
        reason, error = "bad_tender_type", f"there is no tender type {line.tender_type!r}"
    already = not error and line.external_id in posted
    if error:
        status = StagingStatus.ERROR
    elif already:
        status = StagingStatus.COMPLETE
    else:
        status = StagingStatus.PENDING
    return PaymentStaging(
        tender_staging=tender_row,
        line_number=line.line_number,
        raw_line=line.raw_line,
        account_reference=reference[:80],
        account_id=account_id,
        amount_text=line.amount_text[:40],
        amount=line.amount,
        tender_type=tender_type,
        payment_date=line.payment_date,
        accounting_date=line.accounting_date,
        check_number=line.check_number[:30],
        payer_name=line.payer_name[:120],
        external_id=line.external_id[:80],
        already_posted=already,
        status=status,
        error_message=error,
        created_at=now,
    ), reason


def _mark_repeats(lines: list[ParsedPayment]) -> None:
    """One event per external id and source (DESIGN §7): a second line with the same id
    in one file is an error for a CSR, never a second payment."""
    seen: dict[str, int] = {}
    for line in lines:
        if not line.external_id or line.error:
            continue
        if line.external_id in seen:
            line.error_reason = "duplicate"
            line.error = (
                f"reference {line.external_id} is also on line {seen[line.external_id]} "
                "of this file"
            )
        else:
            seen[line.external_id] = line.line_number


def _accounts(lines: list[ParsedPayment]) -> dict[str, int]:
    """Account number -> id for every number the lines mention (one query)."""
    wanted = set()
    for line in lines:
        wanted.update(filter(None, (line.account_reference, *line.account_candidates)))
        wanted.update(a.account_reference for a in line.advices)
    return dict(Account.objects.filter(number__in=wanted).values_list("number", "pk"))


def _account_of(line: ParsedPayment, accounts: dict[str, int]) -> tuple[int | None, str]:
    """The first of the line's references that is one of our account numbers; unknown
    ones stay unresolved (the upload job sends them to suspense, seed 003 step 7.0)."""
    for reference in (line.account_reference, *line.account_candidates):
        if reference in accounts:
            return accounts[reference], reference
    return None, line.account_reference


def _already_posted(source: TenderSource, lines: list[ParsedPayment]) -> set[str]:
    """External ids this source already has an event for (posted in real time by the
    processor's webhook) or another file already staged: those lines are never posted
    again."""
    ids = {line.external_id for line in lines if line.external_id}
    if not ids:
        return set()
    events = PaymentEvent.objects.filter(tender_source=source, external_id__in=ids)
    staged = PaymentStaging.objects.filter(
        tender_staging__tender_source=source, external_id__in=ids
    ).exclude(tender_staging__deposit_staging__upload_file__status=UploadFile.Status.REJECTED)
    return set(events.values_list("external_id", flat=True)) | set(
        staged.values_list("external_id", flat=True)
    )
