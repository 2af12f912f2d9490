"""The ledger: bills, financial transactions (FT) and their GL lines, adjustments.

Charges are positive, credits negative. A frozen FT and its GL lines are immutable: the
model guard below and, on PostgreSQL, a trigger (migration 0002) refuse updates and
deletes. Mistakes are corrected with a cancellation FT that points at the original.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from cis.money import ZERO, money_field

from .config import AdjustmentType, GLAccount
from .customers import Account, ServiceAgreement


class FrozenLedgerError(Exception):
    """Raised on an attempt to change or delete a frozen FT or its GL lines."""


class Bill(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLETE = "complete", "Complete"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="bills")
    bill_date = models.DateField()
    due_date = models.DateField()
    status = FSMField(choices=Status.choices, default=Status.PENDING, protected=True)
    total = money_field(default=ZERO)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account", "-bill_date"]
        indexes = [models.Index(fields=["status", "bill_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("bill_date")),
                name="bill_due_on_or_after_bill_date",
            )
        ]

    def __str__(self) -> str:
        return f"Bill {self.pk} {self.account.number} {self.bill_date}"

    @transition(field=status, source=Status.PENDING, target=Status.COMPLETE)
    def complete(self) -> None:
        """Bill completion: the service posts the charge FTs in the same transaction."""


class BillSegment(models.Model):
    """The part of a bill for one service agreement."""

    # The unique (bill, sa) constraint's index serves lookups by bill.
    bill = models.ForeignKey(
        Bill, on_delete=models.CASCADE, related_name="segments", db_index=False
    )
    sa = models.ForeignKey(ServiceAgreement, on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    description = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bill", "sa"], name="one_segment_per_sa")]

    def __str__(self) -> str:
        return f"{self.bill_id}/{self.sa_id} {self.amount}"


class FinancialTransactionQuerySet(models.QuerySet):
    def frozen(self):
        return self.filter(is_frozen=True)

    def update(self, **kwargs):
        if self.filter(is_frozen=True).exists():
            raise FrozenLedgerError("frozen financial transactions cannot be updated")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(is_frozen=True).exists():
            raise FrozenLedgerError("frozen financial transactions cannot be deleted")
        return super().delete()


class FinancialTransaction(models.Model):
    class Kind(models.TextChoices):
        BILL_SEGMENT = "bill_segment", "Bill segment"
        BILL_CANCEL = "bill_cancel", "Bill segment cancellation"
        PAY_SEGMENT = "pay_segment", "Payment"
        PAY_CANCEL = "pay_cancel", "Payment cancellation"
        ADJUSTMENT = "adjustment", "Adjustment"
        ADJUSTMENT_CANCEL = "adjustment_cancel", "Adjustment cancellation"
        # Deposits (accounts/services/deposits.py): interest credited and held, a deposit
        # paying a final bill's debt, the rest released as a credit to refund.
        DEPOSIT_INTEREST = "deposit_interest", "Deposit interest"
        DEPOSIT_APPLY = "deposit_apply", "Deposit applied to final bill"
        DEPOSIT_RELEASE = "deposit_release", "Deposit released"
        REFUND = "refund", "Refund"
        REFUND_CANCEL = "refund_cancel", "Refund cancellation"

    # No single-column indexes on sa and account: the (sa | account, accounting_date)
    # indexes below serve those lookups, and every index costs on the nightly bulk inserts.
    sa = models.ForeignKey(
        ServiceAgreement, on_delete=models.PROTECT, related_name="fts", db_index=False
    )
    # Denormalised from sa.account: balances, aging and history read FTs per account.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="fts", db_index=False
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # `current_amount` is what the customer owes now; `payoff_amount` what settles the debt.
    # They differ only for deferred charges; every kind built so far keeps them equal.
    current_amount = money_field()
    payoff_amount = money_field()
    accounting_date = models.DateField()
    # Due date of a charge, the basis of aging; credits have none.
    arrears_date = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=120, blank=True)
    is_frozen = models.BooleanField(default=False)
    frozen_at = models.DateTimeField(null=True, blank=True)
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="fts"
    )
    adjustment = models.ForeignKey(
        "accounts.Adjustment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fts",
        db_index=False,  # partial index below: most FTs have no adjustment
    )
    cancels = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="cancelled_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FinancialTransactionQuerySet.as_manager()

    class Meta:
        ordering = ["accounting_date", "pk"]
        indexes = [
            models.Index(fields=["account", "accounting_date"]),
            models.Index(fields=["sa", "accounting_date"]),
            models.Index(
                fields=["adjustment"],
                condition=Q(adjustment__isnull=False),
                name="ft_adjustment_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_frozen=False) | Q(frozen_at__isnull=False),
                name="frozen_ft_has_frozen_at",
            ),
        ]
        verbose_name = "financial transaction"

    def __str__(self) -> str:
        return f"FT {self.pk} {self.kind} {self.current_amount}"

    def save(self, *args, **kwargs):
        # Guard, not logic: a frozen row may never be written again.
        if self.pk and type(self).objects.filter(pk=self.pk, is_frozen=True).exists():
            raise FrozenLedgerError(f"FT {self.pk} is frozen and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_frozen or type(self).objects.filter(pk=self.pk, is_frozen=True).exists():
            raise FrozenLedgerError(f"FT {self.pk} is frozen and cannot be deleted")
        return super().delete(*args, **kwargs)


class GLLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(ft__is_frozen=True).exists():
            raise FrozenLedgerError("GL lines of frozen FTs cannot be updated")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(ft__is_frozen=True).exists():
            raise FrozenLedgerError("GL lines of frozen FTs cannot be deleted")
        return super().delete()


class GLLine(models.Model):
    """One side of an FT's double entry. Debits positive, credits negative; an FT's lines
    sum to zero."""

    ft = models.ForeignKey(FinancialTransaction, on_delete=models.PROTECT, related_name="gl_lines")
    gl_account = models.ForeignKey(GLAccount, on_delete=models.PROTECT)
    amount = money_field()

    objects = GLLineQuerySet.as_manager()

    class Meta:
        verbose_name = "GL line"

    def __str__(self) -> str:
        return f"{self.gl_account.code} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk and FinancialTransaction.objects.filter(pk=self.ft_id, is_frozen=True).exists():
            raise FrozenLedgerError("GL lines of frozen FTs cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if FinancialTransaction.objects.filter(pk=self.ft_id, is_frozen=True).exists():
            raise FrozenLedgerError("GL lines of frozen FTs cannot be deleted")
        return super().delete(*args, **kwargs)


class Adjustment(FSMModelMixin, models.Model):
    """A manual or system charge/credit on one SA (e.g. NSF fee, courtesy credit)."""

    class Status(models.TextChoices):
        FROZEN = "frozen", "Frozen"
        CANCELLED = "cancelled", "Cancelled"

    sa = models.ForeignKey(ServiceAgreement, on_delete=models.PROTECT, related_name="adjustments")
    adjustment_type = models.ForeignKey(AdjustmentType, on_delete=models.PROTECT)
    amount = money_field()
    status = FSMField(choices=Status.choices, default=Status.FROZEN, protected=True)
    reason = models.CharField(max_length=200, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="adjustment_not_zero")]

    def __str__(self) -> str:
        return f"Adjustment {self.pk} {self.adjustment_type.code} {self.amount}"

    @transition(field=status, source=Status.FROZEN, target=Status.CANCELLED)
    def cancel(self) -> None:
        """The service posts the reversing FT."""
