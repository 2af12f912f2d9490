"""Refunds of credit balances and deposits (issue 13 item 2).

A CSR requests a refund of credit the account holds; a Supervisor (never the requester)
approves it, which posts it: a charge FT on each credit SA bringing it toward zero against
GL 2300 Refunds payable. The money then goes out by check (the check register CSV) or by
ACH credit (a NACHA PPD credit file) and the refund is Paid.

    requested -> approved -> paid
    requested -> rejected            (an approver says no)
    requested | approved -> cancelled (approved: the posting is reversed)

Bank numbers of an ACH refund are stored encrypted; screens show the masks only.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, FSMModelMixin, transition

from cis.crypto import EncryptedTextField, mask
from cis.money import money_field

from .customers import Account
from .ledger import FinancialTransaction
from .work import ToDoEntry


class Refund(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        PAID = "paid", "Paid"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    class Method(models.TextChoices):
        CHECK = "check", "Check"
        ACH = "ach", "ACH credit"

    class Source(models.TextChoices):
        CREDIT = "credit", "Credit balance"
        DEPOSIT = "deposit", "Deposit"

    class BankAccountType(models.TextChoices):
        CHECKING = "checking", "Checking"
        SAVINGS = "savings", "Savings"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    method = models.CharField(max_length=5, choices=Method.choices)
    source = models.CharField(max_length=7, choices=Source.choices, default=Source.CREDIT)
    reason = models.CharField(max_length=200)
    status = FSMField(choices=Status.choices, default=Status.REQUESTED, protected=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Who rejected or cancelled it, when and why.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)
    # The refund's charge FTs (one per credit SA) and, when cancelled after approval,
    # their cancellations.
    fts = models.ManyToManyField(FinancialTransaction, blank=True, related_name="refunds")
    todo = models.ForeignKey(
        ToDoEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Checks: payee and mailing address (default: the main customer's mailing address).
    payee_name = models.CharField(max_length=120, blank=True)
    payee_line1 = models.CharField(max_length=120, blank=True)
    payee_line2 = models.CharField(max_length=120, blank=True)
    payee_city = models.CharField(max_length=60, blank=True)
    payee_state = models.CharField(max_length=2, blank=True)
    payee_postal_code = models.CharField(max_length=10, blank=True)
    check_number = models.PositiveIntegerField(null=True, blank=True, unique=True)
    # ACH: the destination account, encrypted; the last four digits for masks.
    routing_number = EncryptedTextField(blank=True, default="")
    bank_account_number = EncryptedTextField(blank=True, default="")
    bank_account_last4 = models.CharField(max_length=4, blank=True, default="")
    bank_account_type = models.CharField(
        max_length=8, choices=BankAccountType.choices, blank=True, default=""
    )
    ach_trace_number = models.CharField(max_length=15, blank=True, default="")
    # Paid: the check register or ACH file it went out in.
    paid_on = models.DateField(null=True, blank=True)
    paid_file = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "method"], name="refund_status_method")]
        permissions = [("approve_refund", "Can approve or reject refunds")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(requested_by__isnull=True)
                | ~Q(approved_by=F("requested_by")),
                name="refund_approver_not_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk} {self.account.number} {self.amount}"

    @property
    def bank_account_masked(self) -> str:
        return mask("0000" + self.bank_account_last4) if self.bank_account_last4 else ""

    @property
    def payee_address_lines(self) -> list[str]:
        city = f"{self.payee_city}, {self.payee_state} {self.payee_postal_code}".strip(", ")
        return [line for line in (self.payee_line1, self.payee_line2, city) if line]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.REQUESTED

    @transition(field=status, source=Status.REQUESTED, target=Status.APPROVED)
    def approve(self) -> None:
        """The service posts the refund FTs in the same transaction."""

    @transition(field=status, source=Status.APPROVED, target=Status.PAID)
    def pay(self) -> None:
        """Written to the check register or an ACH credit file."""

    @transition(field=status, source=Status.REQUESTED, target=Status.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=status, source=[Status.REQUESTED, Status.APPROVED], target=Status.CANCELLED)
    def cancel(self) -> None:
        """An approved refund's FTs are reversed by the service."""
