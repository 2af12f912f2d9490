"""Demographic items of a customer, location or account (seed 004, Demographics tab): a
value per configured item, with variances over date ranges. The account-level budget
amount that autopay's *required amount* drafts is one such item (seed 004, "Setting up
Account Level Budget")."""

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Q

from cis.money import money_field

from .customers import Account, Customer, Location
from .work import Level


class DemographicCategory(models.Model):
    code = models.CharField(max_length=20, unique=True)
    description = models.CharField(max_length=80)
    level = models.CharField(max_length=10, choices=Level.choices)

    class Meta:
        ordering = ["description"]
        verbose_name_plural = "demographic categories"

    def __str__(self) -> str:
        return self.description


class DemographicItem(models.Model):
    code = models.CharField(max_length=20, unique=True)
    description = models.CharField(max_length=80)
    category = models.ForeignKey(
        DemographicCategory, on_delete=models.PROTECT, related_name="items"
    )
    # seed 004: "The number entered multiplies the value assigned to the item".
    unit_value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("1.00"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category__description", "description"]

    def __str__(self) -> str:
        return self.description

    @property
    def level(self) -> str:
        return self.category.level


class Demographic(models.Model):
    """One item's value on one record; an edit overwrites it (seed 004), the change history
    keeps what it was."""

    item = models.ForeignKey(DemographicItem, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=10, choices=Level.choices)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="demographics"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="demographics"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="demographics"
    )
    value = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["item__description", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="customer", customer__isnull=False, location=None, account=None)
                | Q(level="location", location__isnull=False, customer=None, account=None)
                | Q(level="account", account__isnull=False, customer=None, location=None),
                name="demographic_on_its_level",
            ),
            models.UniqueConstraint(
                fields=["item", "customer", "location", "account"],
                nulls_distinct=False,
                name="one_demographic_per_item_and_record",
                violation_error_message="This item is on the record already: edit it instead.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.value}"

    def effective_value(self, on: dt.date) -> Decimal:
        """value x the item's unit value, plus the variances in effect on `on` (seed 004:
        "Effective Value ... taking into account any variances")."""
        base = self.value * self.item.unit_value
        return (
            base + sum((v.amount for v in self.variances.all() if v.applies_on(on)), Decimal("0"))
        ).quantize(Decimal("0.01"))


class DemographicVariance(models.Model):
    demographic = models.ForeignKey(Demographic, on_delete=models.CASCADE, related_name="variances")
    description = models.CharField(max_length=80)
    amount = money_field()
    effective_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["effective_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("effective_on")),
                name="variance_expires_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.description

    def applies_on(self, day: dt.date) -> bool:
        return self.effective_on <= day and (self.expires_on is None or day <= self.expires_on)
