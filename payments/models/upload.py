"""Payment upload: bank and processor files -> staging -> payments (seed 003 steps 5.5-8.6,
DESIGN §3 "Upload", §5 staging states).

A file is recorded once (`UploadFile`, unique by its SHA-256 unless it was rejected), then
parsed into staging rows that mirror the real records they become:

    UploadFile -> DepositStaging (one per deposit / file)
               -> TenderStaging (one per lockbox batch / BAI2 account group / CSV file)
               -> PaymentStaging (one per payment line: the tender)
               -> PayAdviceStaging (seed 5.9: the same tender paying other accounts)

Every staging row moves pending -> in_progress -> complete, pending|in_progress -> error,
error -> pending (a CSR's fix). The upload job checks counts and money at each level,
then creates the real deposit / tender controls, events, tenders and payments through the
bulk path and links them here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from django_fsm_log.decorators import fsm_log_by

from accounts.models import Account
from cis.money import money_field

from .config import TenderSource, TenderType
from .controls import DepositControl, TenderControl
from .events import Payment, PaymentEvent


class UploadFormat(models.TextChoices):
    BAI2 = "bai2", "BAI2 bank file"
    LOCKBOX = "lockbox", "BAI lockbox (fixed width)"
    CSV = "csv", "CSV remittance"
    PROCESSOR_CSV = "processor-csv", "Processor nightly payment file (CSV)"


class UploadFile(models.Model):
    """One file received: recorded before it is parsed, so the same bytes are never
    imported twice (a second import is refused, naming this one)."""

    class Status(models.TextChoices):
        # Parsed into staging; the upload job takes it from here.
        STAGED = "staged", "Staged"
        # Refused as a whole (unreadable, trailer totals disagree, unknown source...):
        # nothing staged; the same bytes may be imported again once the cause is fixed.
        REJECTED = "rejected", "Rejected"
        # Every staging row under it is complete.
        COMPLETE = "complete", "Complete"

    name = models.CharField(max_length=255)
    format = models.CharField(max_length=20, choices=UploadFormat.choices)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    tender_source = models.ForeignKey(
        TenderSource, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How it came in: "command", "screen", "inbox".
    channel = models.CharField(max_length=20, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    payment_count = models.PositiveIntegerField(default=0)
    total = money_field(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.STAGED)
    rejection_reason = models.TextField(blank=True)
    # What the reader let pass and a person should know (a BAI2 file whose record counts
    # the bank got wrong, read with the package's integrity checks off), one per line.
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        # The upload screen is a Supervisor's (issue 9 item 1); "add" is every CSR's.
        permissions = [("import_uploadfile", "Can import payment files on the upload screen")]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=~Q(status="rejected"),
                name="one_upload_per_file_content",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="rejected_upload_says_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_format_display()}, {self.status})"


class StagingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"
    ERROR = "error", "Error"


class StagingRecord(FSMModelMixin, models.Model):
    """What every staging level shares: the state machine and the error message."""

    status = FSMField(
        choices=StagingStatus.choices, default=StagingStatus.PENDING, protected=True, db_index=True
    )
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @fsm_log_by
    @transition(field=status, source=StagingStatus.PENDING, target=StagingStatus.IN_PROGRESS)
    def start(self, by=None) -> None:
        """Counts and totals agree: the job works on it."""

    @fsm_log_by
    @transition(field=status, source=StagingStatus.IN_PROGRESS, target=StagingStatus.COMPLETE)
    def complete(self, by=None) -> None:
        """Its real records exist."""

    @fsm_log_by
    @transition(
        field=status,
        source=[StagingStatus.PENDING, StagingStatus.IN_PROGRESS],
        target=StagingStatus.ERROR,
    )
    def fail(self, message: str, by=None) -> None:
        self.error_message = message

    @fsm_log_by
    @transition(field=status, source=StagingStatus.ERROR, target=StagingStatus.PENDING)
    def retry(self, by=None) -> None:
        """A CSR fixed it (seed 003 step 8.3): the next run takes it again."""
        self.error_message = ""


class DepositStaging(StagingRecord):
    """Seed 003 step 6.0: one deposit (the file's group / the whole file)."""

    upload_file = models.ForeignKey(UploadFile, on_delete=models.CASCADE, related_name="deposits")
    deposit_date = models.DateField()
    # What the file's own trailer says the deposit holds (None: the file declares nothing).
    expected_count = models.PositiveIntegerField(null=True, blank=True)
    expected_total = money_field(null=True, blank=True)
    deposit_control = models.ForeignKey(
        DepositControl, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Deposit staging {self.pk} {self.deposit_date} ({self.status})"


class TenderStaging(StagingRecord):
    """Seed 003 step 6.2: one tender control's worth (a lockbox batch, a BAI2 account)."""

    deposit_staging = models.ForeignKey(
        DepositStaging, on_delete=models.CASCADE, related_name="tender_stagings"
    )
    tender_source = models.ForeignKey(TenderSource, on_delete=models.PROTECT, related_name="+")
    # The file's own name for this group: lockbox + batch number, BAI2 account number.
    reference = models.CharField(max_length=80, blank=True)
    expected_count = models.PositiveIntegerField(null=True, blank=True)
    expected_total = money_field(null=True, blank=True)
    tender_control = models.ForeignKey(
        TenderControl, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Tender staging {self.pk} {self.reference} ({self.status})"


class PaymentStaging(StagingRecord):
    """Seed 003 steps 6.7-7.3: one payment line of a file. Parsed values are kept as the
    file said them (`account_reference`, `amount_text`) beside what they resolved to, so a
    CSR sees the original and the fix."""

    tender_staging = models.ForeignKey(
        TenderStaging, on_delete=models.CASCADE, related_name="payments"
    )
    line_number = models.PositiveIntegerField()
    raw_line = models.TextField(blank=True)
    # The account number as the file gave it (also kept when the payment went to suspense).
    account_reference = models.CharField(max_length=80, blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount_text = models.CharField(max_length=40, blank=True)
    amount = money_field(null=True, blank=True)
    tender_type = models.ForeignKey(
        TenderType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_date = models.DateField(null=True, blank=True)
    accounting_date = models.DateField(null=True, blank=True)
    check_number = models.CharField(max_length=30, blank=True)
    payer_name = models.CharField(max_length=120, blank=True)
    # The processor's transaction id / the bank's item reference: one event per id and
    # source (the event's external_id).
    external_id = models.CharField(max_length=80, blank=True)
    # True when the account was unknown or closed and the payment went to the configured
    # suspense account (seed 003 step 7.0); `account_reference` keeps what the file said.
    to_suspense = models.BooleanField(default=False)
    # Processor files: the transaction was already posted in real time (webhook).
    already_posted = models.BooleanField(default=False)
    event = models.ForeignKey(
        PaymentEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["tender_staging", "status"], name="payment_staging_todo")]

    def __str__(self) -> str:
        return f"Payment staging {self.pk} line {self.line_number} ({self.status})"


class PayAdviceStaging(models.Model):
    """Seed 003 step 5.9: part of a staged tender that pays another account (multi-account
    pay advice). The staged tender's amount is split: each advice pays its account, the
    rest (if any) pays the tender's own account."""

    payment_staging = models.ForeignKey(
        PaymentStaging, on_delete=models.CASCADE, related_name="advices"
    )
    account_reference = models.CharField(max_length=80)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount_text = models.CharField(max_length=40, blank=True)
    amount = money_field(null=True, blank=True)
    to_suspense = models.BooleanField(default=False)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Pay advice {self.pk} {self.account_reference} {self.amount}"


class UploadException(models.Model):
    """Seed 003 step 7.4: why a staging record is in error, for the exception screen and
    its To Do entry. One open exception per staging record; a CSR's fix resolves it."""

    deposit_staging = models.ForeignKey(
        DepositStaging, null=True, blank=True, on_delete=models.CASCADE, related_name="exceptions"
    )
    tender_staging = models.ForeignKey(
        TenderStaging, null=True, blank=True, on_delete=models.CASCADE, related_name="exceptions"
    )
    payment_staging = models.ForeignKey(
        PaymentStaging, null=True, blank=True, on_delete=models.CASCADE, related_name="exceptions"
    )
    # A short code a screen filters by ("unknown_account", "bad_amount", "totals", ...).
    reason = models.CharField(max_length=40)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        deposit_staging__isnull=False,
                        tender_staging__isnull=True,
                        payment_staging__isnull=True,
                    )
                    | Q(
                        deposit_staging__isnull=True,
                        tender_staging__isnull=False,
                        payment_staging__isnull=True,
                    )
                    | Q(
                        deposit_staging__isnull=True,
                        tender_staging__isnull=True,
                        payment_staging__isnull=False,
                    )
                ),
                name="upload_exception_has_one_record",
            ),
            models.UniqueConstraint(
                fields=["payment_staging"],
                condition=Q(resolved_at__isnull=True, payment_staging__isnull=False),
                name="one_open_exception_per_payment_staging",
            ),
            models.UniqueConstraint(
                fields=["tender_staging"],
                condition=Q(resolved_at__isnull=True, tender_staging__isnull=False),
                name="one_open_exception_per_tender_staging",
            ),
            models.UniqueConstraint(
                fields=["deposit_staging"],
                condition=Q(resolved_at__isnull=True, deposit_staging__isnull=False),
                name="one_open_exception_per_deposit_staging",
            ),
        ]

    def __str__(self) -> str:
        return f"Upload exception {self.pk} {self.reason}"
