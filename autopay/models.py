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

from accounts.models import Account
from cis.crypto import EncryptedTextField, mask
from cis.money import money_field


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
