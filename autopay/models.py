"""Autopay enrollment (seed 001 steps 1.2-1.5; seed 004, Customer tab, Auto Payment).

An enrollment says how an account pays its bills by itself: a bank draft (routing number,
encrypted account number, checking or savings) or a card on file (the processor's token,
never the card number), and how much each cycle (the amount option). One account has at
most one enrollment that is not stopped; a stop keeps the row (and its reason) for the
history, and a new set-up is a new row.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.models import Account, Bill
from cis.crypto import EncryptedTextField, mask
from cis.money import ZERO, money_field


class Bank(models.Model):
    """The bank list a CSR picks from by routing number (seed 004: "previously-entered
    routing numbers and the associated banks for quick selection")."""

    routing_number = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name", "routing_number"]

    def __str__(self) -> str:
        return f"{self.name} ({self.routing_number})"


class Enrollment(models.Model):
    class Kind(models.TextChoices):
        DRAFT = "draft", "Bank draft"
        CARD = "card", "Credit card"

    class BankAccountType(models.TextChoices):
        CHECKING = "checking", "Checking account"
        SAVINGS = "savings", "Savings account"

    class AmountOption(models.TextChoices):
        BALANCE = "balance", "Pay account balance"
        MAXIMUM = "maximum", "Maximum amount"
        FIXED = "fixed", "Fixed amount"
        REQUIRED = "required", "Required amount (statement balance)"

    class StopReason(models.TextChoices):
        CUSTOMER = "customer", "Customer asked to stop"
        NSF = "nsf", "Returned for insufficient funds"
        BANK_ACCOUNT_INVALID = "bank_invalid", "Bank account closed or invalid"
        UNAUTHORIZED = "unauthorized", "Debit not authorized by the customer"
        CARD_EXPIRED = "card_expired", "Card expired"
        ACCOUNT_CLOSED = "account_closed", "Utility account closed"
        OTHER = "other", "Other"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="autopays")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    # Bank draft
    bank_account_type = models.CharField(
        max_length=8, choices=BankAccountType.choices, blank=True, default=""
    )
    routing_number = models.CharField(max_length=9, blank=True, default="")
    bank_account_number = EncryptedTextField(blank=True, default="")
    # Kept beside the ciphertext so lists and files' masks need no key.
    bank_account_last4 = models.CharField(max_length=4, blank=True, default="")
    # Card on file: the processor's token and what the customer recognises the card by.
    processor = models.CharField(max_length=30, blank=True, default="")
    card_token = models.CharField(max_length=120, blank=True, default="")
    card_brand = models.CharField(max_length=20, blank=True, default="")
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    card_expires_on = models.DateField(
        null=True, blank=True, help_text="Last day of the card's expiry month."
    )
    # Expiring-card notice (issue 10 item 6): sent once per expiry date. `expiry_notice_for`
    # is the expiry date the notice was about, so a new card (a new date) gets its own; a
    # new token resets both (autopay_change).
    expiry_notice_sent_on = models.DateField(null=True, blank=True)
    expiry_notice_for = models.DateField(null=True, blank=True)
    # How much
    amount_option = models.CharField(max_length=8, choices=AmountOption.choices)
    amount = money_field(
        null=True,
        blank=True,
        help_text="The cap for Maximum amount; the amount drafted for Fixed amount.",
    )
    notify_in_advance = models.BooleanField(default=False)
    start_on = models.DateField()
    end_on = models.DateField(null=True, blank=True)
    # Stop (seed 001 step 1.5)
    stopped_on = models.DateField(null=True, blank=True)
    stop_reason = models.CharField(max_length=14, choices=StopReason.choices, blank=True)
    stop_comment = models.CharField(max_length=200, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start_on", "-pk"]
        permissions = [
            (
                "reveal_bank_account",
                "Can show a bank account number in clear (password re-entry, audited)",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(stopped_on__isnull=True),
                name="one_running_autopay_per_account",
                violation_error_message="This account already has an automatic payment.",
            ),
            models.CheckConstraint(
                condition=Q(kind="card")
                | (
                    Q(kind="draft")
                    & Q(routing_number__regex=r"^[0-9]{9}$")
                    & ~Q(bank_account_number="")
                    & ~Q(bank_account_type="")
                ),
                name="draft_has_bank_details",
            ),
            models.CheckConstraint(
                condition=Q(kind="draft") | (Q(kind="card") & ~Q(card_token="")),
                name="card_has_token",
            ),
            models.CheckConstraint(
                condition=Q(amount_option__in=["balance", "required"], amount__isnull=True)
                | Q(amount_option__in=["maximum", "fixed"], amount__gt=0),
                name="autopay_amount_matches_option",
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="autopay_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(stopped_on__isnull=True, stop_reason="")
                | (Q(stopped_on__isnull=False) & ~Q(stop_reason="")),
                name="autopay_stop_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Autopay {self.pk} of {self.account_id}: {self.method_label}"

    @property
    def method_label(self) -> str:
        """What the dashboard shows: "Draft" or "Credit card" (seed 004, Table 1)."""
        return "Draft" if self.kind == self.Kind.DRAFT else "Credit card"

    @property
    def masked_number(self) -> str:
        last4 = self.bank_account_last4 if self.kind == self.Kind.DRAFT else self.card_last4
        return mask("0000" + last4) if last4 else ""

    def is_running_on(self, day: dt.date) -> bool:
        """Set up, started, not ended and not stopped on `day`."""
        return (
            self.start_on <= day
            and (self.end_on is None or day <= self.end_on)
            and (self.stopped_on is None or day < self.stopped_on)
        )


class AchOriginator(models.Model):
    """The utility as the bank knows it: one NACHA file per originator and effective date.
    Editable in the admin; the default one drafts every enrollment."""

    code = models.CharField(max_length=10, unique=True)
    company_name = models.CharField(max_length=16)
    company_id = models.CharField(max_length=10, help_text="As the bank assigned it.")
    odfi_routing = models.CharField(
        max_length=9, help_text="The originating bank's routing number (8 or 9 digits)."
    )
    immediate_destination = models.CharField(max_length=9)
    destination_name = models.CharField(max_length=23)
    immediate_origin = models.CharField(max_length=10)
    origin_name = models.CharField(max_length=23)
    entry_description = models.CharField(max_length=10, default="UTILITY")
    # A balanced file carries an offset credit to the utility's own account.
    offset_routing = models.CharField(max_length=9, blank=True, default="")
    offset_account = EncryptedTextField(blank=True, default="")
    offset_account_type = models.CharField(
        max_length=8, choices=Enrollment.BankAccountType.choices, blank=True, default=""
    )
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_originator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.company_name}"


class Clearing(FSMModelMixin, models.Model):
    """One automatic payment on its way to the bank: the clearinghouse record (seed 001
    steps 2.7, 5.5-5.9; DESIGN §5).

    pending    amount and dates computed at bill completion, stored for the create job (2.8)
    created    the create job (or a CSR) fixed the amount on the extract date (2.9, 3.3-3.8)
    frozen     the payment is distributed and frozen in the ledger (3.0, 2.4-2.6)
    activated  marked for download on its extract date (5.5-5.6)
    extracted  written to a NACHA file (draft) or charged through the processor (card)
    returned   the bank sent the entry back (R-code); the tender is cancelled
    cancelled  deleted or cancelled before it reached the bank, or the card was declined

    A re-presentment of a returned entry is a new record pointing at the original
    (`represents`), numbered by `presentment` (1 is the original entry).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CREATED = "created", "Created"
        FROZEN = "frozen", "Frozen"
        ACTIVATED = "activated", "Activated"
        EXTRACTED = "extracted", "Extracted"
        RETURNED = "returned", "Returned"
        CANCELLED = "cancelled", "Cancelled"

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="clearings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="autopay_clearings"
    )
    kind = models.CharField(max_length=5, choices=Enrollment.Kind.choices)
    status = FSMField(choices=Status.choices, default=Status.PENDING, protected=True)
    amount = money_field()
    # The amount before the utility's maximum withdrawal cut it (seed 001 step 1.9).
    reduced_from = money_field(null=True, blank=True)
    extract_on = models.DateField(help_text="The day the entry goes to the bank.")
    gl_distribution_on = models.DateField(
        help_text="The payment's accounting date and the ACH effective entry date."
    )
    payment_on = models.DateField()
    # Advance notice of a varying amount (Reg E 1005.10(d)), when the enrollment asks.
    notice_due = models.BooleanField(default=False)
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    # How the notice went: by email to `notice_sent_to`, or as a To Do for a person to mail
    # it (no email on file); late when fewer than OPENCIS_AUTOPAY_NOTICE_DAYS days were left.
    notice_via = models.CharField(
        max_length=5, choices=[("email", "Email"), ("mail", "Mail (To Do)")], blank=True, default=""
    )
    notice_sent_to = models.CharField(max_length=254, blank=True, default="")
    notice_late = models.BooleanField(default=False)
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tender = models.ForeignKey(
        "payments.Tender", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    extract = models.ForeignKey(
        "autopay.AchExtract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clearings",
    )
    # NACHA trace number of the entry (ODFI routing prefix + sequence), set on extract.
    trace_number = models.CharField(max_length=15, blank=True, default="")
    # Card autopays: the processor's charge reference, or why the charge failed.
    charge_reference = models.CharField(max_length=80, blank=True, default="")
    presentment = models.PositiveSmallIntegerField(default=1)
    represents = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="representments"
    )
    return_code = models.CharField(max_length=3, blank=True, default="")
    returned_on = models.DateField(null=True, blank=True)
    cancel_comment = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-extract_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "extract_on"], name="clearing_status_extract"),
            models.Index(fields=["account", "-extract_on"], name="clearing_account"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["bill"],
                condition=Q(bill__isnull=False, presentment=1) & ~Q(status="cancelled"),
                name="one_autopay_per_bill",
                violation_error_message="This bill already has an automatic payment.",
            ),
            models.UniqueConstraint(
                fields=["trace_number"],
                condition=~Q(trace_number=""),
                name="clearing_trace_number_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="clearing_amount_positive"),
            models.CheckConstraint(
                condition=Q(extract_on__lte=models.F("gl_distribution_on")),
                name="clearing_extract_before_settlement",
            ),
            models.CheckConstraint(
                condition=Q(presentment=1, represents__isnull=True)
                | Q(presentment__gt=1, represents__isnull=False),
                name="clearing_representment_points_at_original",
            ),
        ]

    def __str__(self) -> str:
        return f"Autopay {self.pk} {self.account_id} {self.amount} on {self.extract_on}"

    @transition(field=status, source=Status.PENDING, target=Status.CREATED)
    def create(self) -> None:
        """The create job (or a CSR) fixed the amount on the extract date."""

    @transition(field=status, source=[Status.PENDING, Status.CREATED], target=Status.FROZEN)
    def freeze(self) -> None:
        """The payment is distributed and frozen (`payment`, `tender` set by the service)."""

    @transition(field=status, source=Status.FROZEN, target=Status.ACTIVATED)
    def activate(self) -> None:
        """Marked for download on the extract date."""

    @transition(field=status, source=Status.ACTIVATED, target=Status.EXTRACTED)
    def mark_extracted(self) -> None:
        """Written to the ACH file (draft) or charged (card)."""

    @transition(field=status, source=Status.EXTRACTED, target=Status.RETURNED)
    def mark_returned(self) -> None:
        """The bank returned the entry: the service cancels the tender."""

    @transition(
        field=status,
        source=[Status.PENDING, Status.CREATED, Status.FROZEN, Status.ACTIVATED, Status.EXTRACTED],
        target=Status.CANCELLED,
    )
    def cancel(self) -> None:
        """Deleted by a CSR, declined by the processor, or its tender cancelled."""


class AchExtract(models.Model):
    """One run's output for one originator and effective date: a NACHA PPD debit file
    (draft) or one batch of processor charges (card) (seed 001 steps 5.7-6.1)."""

    kind = models.CharField(max_length=5, choices=Enrollment.Kind.choices)
    business_date = models.DateField(help_text="The extract date (the run's business date).")
    effective_on = models.DateField(help_text="ACH effective entry date (settlement).")
    originator = models.ForeignKey(
        AchOriginator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=255, blank=True, default="")
    file_path = models.CharField(max_length=500, blank=True, default="")
    file_sha256 = models.CharField(max_length=64, blank=True, default="")
    file_id_modifier = models.CharField(max_length=1, blank=True, default="")
    entry_count = models.PositiveIntegerField(default=0)
    total = money_field(default=ZERO)
    entry_hash = models.BigIntegerField(null=True, blank=True)
    batch_run = models.ForeignKey(
        "cis.BatchRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tender_control = models.OneToOneField(
        "payments.TenderControl",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ach_extract",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-business_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_date", "file_id_modifier"],
                condition=Q(kind="draft"),
                name="one_ach_file_per_day_and_modifier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} extract {self.pk} {self.business_date}"


class ReturnCodeRule(models.Model):
    """What an ACH return code does (issue 10 item 5), editable in the admin.

    The NACHA categories drive the return-rate thresholds: unauthorized 0.5%,
    administrative 3%, overall 15%.
    """

    class Category(models.TextChoices):
        NSF = "nsf", "Insufficient or uncollected funds"
        ADMINISTRATIVE = "administrative", "Administrative (account invalid)"
        UNAUTHORIZED = "unauthorized", "Unauthorized"
        OTHER = "other", "Other"

    code = models.CharField(max_length=3, unique=True)
    description = models.CharField(max_length=120)
    category = models.CharField(max_length=14, choices=Category.choices)
    cancel_reason = models.ForeignKey(
        "payments.PaymentCancelReason", on_delete=models.PROTECT, related_name="+"
    )
    stops_autopay = models.BooleanField(default=False)
    stop_reason = models.CharField(
        max_length=14, choices=Enrollment.StopReason.choices, blank=True, default=""
    )
    max_representments = models.PositiveSmallIntegerField(
        default=0, help_text="Times the entry may be presented again (NACHA: at most 2)."
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_representments__lte=2), name="at_most_two_representments"
            ),
            models.CheckConstraint(
                condition=Q(stops_autopay=False) | ~Q(stop_reason=""),
                name="return_stop_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.description}"


class AchInboundFile(models.Model):
    """A return / notification-of-change file read from the bank (once: by its hash)."""

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returns = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=0)
    exceptions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name


class AchInboundEntry(models.Model):
    """One return (addenda 99) or notification of change (addenda 98) and what it did."""

    class Kind(models.TextChoices):
        RETURN = "return", "Return"
        CHANGE = "change", "Notification of change"

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        DUPLICATE = "duplicate", "Already applied (same entry in an earlier file)"
        EXCEPTION = "exception", "Exception: needs a person (To Do raised)"

    file = models.ForeignKey(AchInboundFile, on_delete=models.CASCADE, related_name="entries")
    line_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=6, choices=Kind.choices)
    code = models.CharField(max_length=3)
    original_trace = models.CharField(max_length=15)
    individual_id = models.CharField(max_length=15, blank=True, default="")
    amount = money_field(default=ZERO)
    clearing = models.ForeignKey(
        Clearing, null=True, blank=True, on_delete=models.PROTECT, related_name="inbound"
    )
    corrected_data = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=9, choices=Outcome.choices)
    message = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["file", "line_number"]
        indexes = [models.Index(fields=["original_trace"], name="inbound_original_trace")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "original_trace", "code"],
                condition=Q(outcome="applied"),
                name="inbound_entry_applied_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.original_trace}"


class BillAutopayCheck(models.Model):
    """What autopay made of one completed bill of an enrolled account (seed 001 steps
    1.6-2.8): the clearing it drafted, or why it drafted nothing (ineligible, nothing
    owed). One row per bill, written with the bill's evaluation, so the sweep of bills a
    crash left unevaluated (`autopay_bill_sweep`) picks each bill once, and a CSR sees why
    a bill was not drafted."""

    class Outcome(models.TextChoices):
        DRAFTED = "drafted", "Autopay drafted"
        INELIGIBLE = "ineligible", "Not eligible for autopay"
        NOTHING = "nothing", "Nothing to draft"

    bill = models.OneToOneField(
        Bill, primary_key=True, on_delete=models.CASCADE, related_name="autopay_check"
    )
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clearing = models.ForeignKey(
        Clearing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True, default="")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bill autopay check"

    def __str__(self) -> str:
        return f"Bill {self.bill_id}: {self.get_outcome_display()}"
