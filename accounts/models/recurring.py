"""Recurring items (seed 004, Recurring Items tab): discounts, credits or charges put on an
account's bills when they complete, a set number of times or while the item is active.

The code table (`RecurringItemType`, seed "Setup > Recurring Items") says what an item is
worth (a fixed amount or a percent of the bill) and which adjustment type (so which GL)
it posts through. An item sits on the account, its customer or its location, like a
special condition; once saved it can't be edited, and once deactivated it can't come back
(a check constraint holds both "active" and "times left" together)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cis.money import money_field

from .config import AdjustmentType, CodeTable
from .customers import Account, Customer, Location
from .ledger import Adjustment, Bill
from .work import ACTIVE_UNTIL_DEACTIVATED, HAS_RECORD_OF_ITS_LEVEL, Level


class RecurringItemType(CodeTable):
    class Kind(models.TextChoices):
        DISCOUNT = "discount", "Discount"
        CREDIT = "credit", "Credit"
        CHARGE = "charge", "Charge"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DISCOUNT)
    # Exactly one of the two: a fixed amount per bill, or a percent of the bill's segments.
    amount = money_field(null=True, blank=True, help_text="Per bill, always positive.")
    percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Of the bill, 0-100."
    )
    adjustment_type = models.ForeignKey(
        AdjustmentType,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Posts through this adjustment type (its GL is the offset).",
    )
    default_times = models.PositiveSmallIntegerField(
        default=0, help_text="Times to apply a new item by default; 0 = while active."
    )

    class Meta(CodeTable.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(amount__isnull=False, amount__gt=0, percent__isnull=True)
                    | Q(
                        amount__isnull=True,
                        percent__isnull=False,
                        percent__gt=0,
                        percent__lte=100,
                    )
                ),
                name="recurring_type_amount_or_percent",
            )
        ]

    @property
    def sign(self) -> int:
        return 1 if self.kind == self.Kind.CHARGE else -1

    @property
    def value_display(self) -> str:
        return f"{self.percent}%" if self.percent is not None else f"${self.amount:,.2f}"


class RecurringItem(models.Model):
    Level = Level

    level = models.CharField(max_length=10, choices=Level.choices, default=Level.ACCOUNT)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="recurring_items"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="recurring_items"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="recurring_items"
    )
    item_type = models.ForeignKey(RecurringItemType, on_delete=models.PROTECT)
    description = models.CharField(max_length=120)
    effective_on = models.DateField()
    # None: while active (the seed's zero, "While active").
    times_to_apply = models.PositiveSmallIntegerField(null=True, blank=True)
    times_applied = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_active", "-effective_on", "-pk"]
        constraints = [
            # Active exactly while never deactivated: a deactivated row can't come back.
            models.CheckConstraint(
                condition=ACTIVE_UNTIL_DEACTIVATED,
                name="recurring_active_until_deactivated",
            ),
            models.CheckConstraint(
                condition=HAS_RECORD_OF_ITS_LEVEL,
                name="recurring_has_record_of_its_level",
            ),
            models.CheckConstraint(
                condition=Q(times_to_apply__isnull=True) | Q(times_to_apply__gt=0),
                name="recurring_times_positive",
            ),
            # Never past its count; an item that has used up its count is inactive.
            models.CheckConstraint(
                condition=Q(times_to_apply__isnull=True)
                | Q(times_applied__lt=F("times_to_apply"))
                | Q(times_applied=F("times_to_apply"), is_active=False),
                name="recurring_times_not_exceeded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_type.code} {self.effective_on}"

    @property
    def times_display(self) -> str:
        return "While active" if self.times_to_apply is None else str(self.times_to_apply)


class RecurringApplication(models.Model):
    """One item applied to one bill: the adjustment (and FT) it posted."""

    item = models.ForeignKey(RecurringItem, on_delete=models.PROTECT, related_name="applications")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="+")
    adjustment = models.OneToOneField(Adjustment, on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-applied_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "bill"], name="recurring_once_per_bill")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} on bill {self.bill_id}: {self.amount}"
