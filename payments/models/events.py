"""Payment events, their tenders and payments, and the pay segments a payment is split into
(DESIGN §3, seed 003 steps 1.2-5.4 and Cash Check)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, FSMModelMixin, transition
from django_fsm_log.decorators import fsm_log_by

from accounts.models import Account, Adjustment, FinancialTransaction, ServiceAgreement
from cis.money import money_field
from cis.validators import no_card_number

from .config import (
    DistributionCode,
    DistributionRule,
    PaymentCancelReason,
    TenderSource,
    TenderType,
)
from .controls import TenderControl


class PaymentEvent(models.Model):
    """Money received once: one or more tenders paying one or more accounts.

    Valid tenders total == live (not cancelled) payments total. The one exception is the
    state right after a payment was cancelled on its own (seed 003 step 3.8): the tender
    stays and the event waits for a new payment; `check_ledger` allows exactly that.
    """

    payment_date = models.DateField()
    # Foreign keys here and below are indexed only where something looks them up: the
    # bulk path inserts 100,000 events a night, and every index is paid per row. (Deleting
    # a configuration row, which needs the scan, is all but unheard of.)
    tender_source = models.ForeignKey(TenderSource, on_delete=models.PROTECT, db_index=False)
    # Cash Check (seed 003): a check tender and a negative cash tender, no payment.
    is_check_cashing = models.BooleanField(default=False)
    # Set by uploads and processor webhooks: one event per external transaction.
    external_id = models.CharField(
        max_length=80, blank=True, default="", validators=[no_card_number]
    )
    comments = models.TextField(blank=True, validators=[no_card_number])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-payment_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender_source", "external_id"],
                condition=~Q(external_id=""),
                name="one_event_per_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"Payment event {self.pk} {self.payment_date}"


class Tender(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(PaymentEvent, on_delete=models.CASCADE, related_name="tenders")
    tender_type = models.ForeignKey(TenderType, on_delete=models.PROTECT, db_index=False)
    tender_control = models.ForeignKey(
        TenderControl, null=True, blank=True, on_delete=models.PROTECT, related_name="tenders"
    )
    # Negative only for the cash handed back when a check is cashed (Cash Check step 1.7).
    amount = money_field()
    # The account the money came from (seed 003 overview: payor vs payee).
    payor_account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="tenders_paid"
    )
    # Free text and references never hold a card number (DESIGN §8, issue 7 item 21).
    check_number = models.CharField(max_length=20, blank=True, validators=[no_card_number])
    # Card and bank tenders: the processor's token and the last four digits, never the
    # number itself (DESIGN §8).
    processor_token = models.CharField(max_length=120, blank=True, validators=[no_card_number])
    last4 = models.CharField(max_length=4, blank=True)
    external_id = models.CharField(max_length=80, blank=True, validators=[no_card_number])
    status = FSMField(choices=Status.choices, default=Status.VALID, protected=True)
    cancel_reason = models.ForeignKey(
        PaymentCancelReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    cancel_comment = models.CharField(max_length=200, blank=True, validators=[no_card_number])
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Cash Check + seed 003 step 4.2: a cashed check returned unpaid leaves the cash handed
    # out (the event's negative cash tender) standing; what the payor owes for it is this
    # charge, which takes the check's place in the event's balance (`check_ledger`).
    receivable_adjustment = models.OneToOneField(
        Adjustment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A returned check presented to the bank again is a new tender pointing at the old one.
    represents = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="representments",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="tender_not_zero"),
            models.CheckConstraint(
                condition=Q(last4="") | Q(last4__regex=r"^[0-9]{4}$"), name="tender_last4_digits"
            ),
            # A card number must never land in the token column by mistake.
            models.CheckConstraint(
                condition=~Q(processor_token__regex=r"^[0-9 -]{12,23}$"),
                name="tender_token_is_not_a_card_number",
            ),
            models.CheckConstraint(
                condition=Q(status="valid") | Q(cancel_reason__isnull=False),
                name="cancelled_tender_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Tender {self.pk} {self.tender_type.code} {self.amount}"

    @fsm_log_by
    @transition(field=status, source=Status.VALID, target=Status.CANCELLED)
    def cancel(self, by=None) -> None:
        """The service cancels the event's payments and applies the reason's effects."""


class Payment(FSMModelMixin, models.Model):
    """The part of an event applied to one payee account (seed 003 step 1.7)."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", "Incomplete"
        ERROR = "error", "Error"
        FROZEN = "frozen", "Frozen"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(PaymentEvent, on_delete=models.CASCADE, related_name="payments")
    # Indexed with the accounting date below.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="payments", db_index=False
    )
    amount = money_field()
    status = FSMField(choices=Status.choices, default=Status.INCOMPLETE, protected=True)
    accounting_date = models.DateField()
    # How it is to be distributed: None takes the default rule; the match value names an
    # SA for the match-SA algorithm (seed 003 step 1.8, DSOV SA-ID).
    distribution_rule = models.ForeignKey(
        DistributionRule,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    match_value = models.CharField(max_length=40, blank=True, validators=[no_card_number])
    # The CSR entered its amounts per SA (seed 003 step 2.0): frozen as entered. A plan the
    # system made is planned again on the debt at freeze (issue 7 item 2).
    is_manual_distribution = models.BooleanField(default=False, db_default=False)
    error_message = models.CharField(max_length=300, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.ForeignKey(
        PaymentCancelReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    cancel_comment = models.CharField(max_length=200, blank=True, validators=[no_card_number])
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # A transfer cancels a payment and adds new ones pointing back (seed 003 step 4.8).
    transferred_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
        db_index=False,
    )
    # Non-CIS payments (seed 003 step 1.3): who paid, for what, credited to which GL.
    payer_name = models.CharField(max_length=120, blank=True, validators=[no_card_number])
    distribution_code = models.ForeignKey(
        DistributionCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    comments = models.CharField(max_length=300, blank=True, validators=[no_card_number])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-accounting_date", "-pk"]
        indexes = [
            models.Index(fields=["account", "accounting_date"]),
            models.Index(fields=["status", "accounting_date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=~Q(status="frozen") | Q(frozen_at__isnull=False),
                name="frozen_payment_has_frozen_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="error") | ~Q(error_message=""),
                name="error_payment_has_message",
            ),
            models.CheckConstraint(
                condition=Q(distribution_code__isnull=True) | ~Q(payer_name=""),
                name="non_cis_payment_names_payer",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment {self.pk} {self.amount} ({self.status})"

    @property
    def is_non_cis(self) -> bool:
        return self.distribution_code_id is not None

    @property
    def algorithm(self) -> str | None:
        return self.distribution_rule.algorithm if self.distribution_rule_id else None

    @fsm_log_by
    @transition(field=status, source=Status.INCOMPLETE, target=Status.FROZEN)
    def freeze(self, by=None) -> None:
        """Pay segments become FTs; the service posts them in the same transaction."""

    @fsm_log_by
    @transition(field=status, source=Status.INCOMPLETE, target=Status.ERROR)
    def fail(self, by=None) -> None:
        """Could not be distributed; kept for review (seed 003 steps 7.1, 8.4)."""

    @fsm_log_by
    @transition(field=status, source=Status.ERROR, target=Status.INCOMPLETE)
    def retry(self, by=None) -> None:
        """A CSR fixed the cause, or the retry job tries again (seed 003 step 8.5)."""

    @fsm_log_by
    @transition(
        field=status,
        source=[Status.FROZEN, Status.INCOMPLETE, Status.ERROR],
        target=Status.CANCELLED,
    )
    def cancel(self, by=None) -> None:
        """A frozen payment's FTs are reversed by the service; an unfrozen one had none."""


class PaySegment(models.Model):
    """The part of a payment applied to one SA; its FT once frozen (seed 003 step 3.1)."""

    # Indexed by the (payment, SA) unique constraint; SAs are read through their FTs.
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="segments", db_index=False
    )
    sa = models.ForeignKey(
        ServiceAgreement, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    amount = money_field()
    # Beyond the SA's debt, placed by the overpayment rule (seed 003 step 2.7).
    is_overpayment = models.BooleanField(default=False)
    # Due date of the oldest debt relieved: the arrears date of a cancellation, so that a
    # returned payment reopens debt of its true age for aging and collection.
    debt_due_date = models.DateField(null=True, blank=True)
    ft = models.OneToOneField(
        FinancialTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pay_segment",
    )
    cancel_ft = models.OneToOneField(
        FinancialTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cancelled_pay_segment",
    )

    class Meta:
        ordering = ["payment", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "sa"], name="one_segment_per_payment_sa"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="pay_segment_positive"),
            models.CheckConstraint(
                condition=Q(cancel_ft__isnull=True) | Q(ft__isnull=False),
                name="only_posted_segments_are_reversed",
            ),
            models.CheckConstraint(
                condition=Q(cancel_ft__isnull=True) | ~Q(cancel_ft=F("ft")),
                name="segment_reversal_is_another_ft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}/{self.sa_id} {self.amount}"


class ReceiptPrint(models.Model):
    """Each receipt printed or emailed; any after the first is labelled DUPLICATE
    (seed 003 step 3.5)."""

    class Format(models.TextChoices):
        SHORT = "short", "Short"
        LONG = "long", "Long"
        STUB = "stub", "Bill stub"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="receipts")
    format = models.CharField(max_length=10, choices=Format.choices)
    is_duplicate = models.BooleanField(default=False)
    emailed_to = models.EmailField(blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    printed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payment", "pk"]

    def __str__(self) -> str:
        return f"Receipt {self.format} of payment {self.payment_id}"
