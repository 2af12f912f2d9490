"""Metered usage on bill segments (seed 004, Usage tab): the meters at a location and, for
each bill segment of a metered service, the read it billed.

A line's service is its segment's SA type; `billed_quantity` is `actual_quantity` plus
`adjusted_quantity` (a signed correction such as a leak adjustment), enforced in the
database. Quantities are in the line's unit of measure (KGAL, KWH, ...).
"""

from django.db import models
from django.db.models import F, Q

from cis.money import ZERO, money_field

from .config import SAType
from .customers import Location
from .ledger import BillSegment


def quantity_field(**kwargs) -> models.DecimalField:
    """NUMERIC(12,3): meter readings and quantities to a thousandth of a unit."""
    kwargs.setdefault("max_digits", 12)
    kwargs.setdefault("decimal_places", 3)
    return models.DecimalField(**kwargs)


class Meter(models.Model):
    """A meter at a location measuring one service; it stays with the premise when the
    account there changes."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REMOVED = "removed", "Removed"

    number = models.CharField(max_length=20, unique=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="meters")
    service = models.ForeignKey(SAType, on_delete=models.PROTECT, related_name="+")
    make = models.CharField(max_length=40, blank=True)
    size = models.CharField(max_length=20, blank=True)
    unit = models.CharField(max_length=10, help_text="Unit of measure of its readings.")
    multiplier = models.DecimalField(max_digits=8, decimal_places=3, default=1)
    installed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class BillSegmentUsage(models.Model):
    """One meter read billed on a bill segment: the read dates and readings, the
    quantities, and the charges it made."""

    class ReadType(models.TextChoices):
        ACTUAL = "actual", "Actual"
        ESTIMATED = "estimated", "Estimated"

    # The unique (segment, meter) constraint's index serves lookups by segment.
    segment = models.ForeignKey(
        BillSegment, on_delete=models.CASCADE, related_name="usage", db_index=False
    )
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="reads")
    rate_code = models.CharField(max_length=20, blank=True)
    previous_read_date = models.DateField()
    previous_reading = quantity_field()
    read_date = models.DateField()
    reading = quantity_field()
    read_type = models.CharField(max_length=10, choices=ReadType.choices, default=ReadType.ACTUAL)
    actual_quantity = quantity_field()
    adjusted_quantity = quantity_field(default=ZERO)
    billed_quantity = quantity_field()
    unit = models.CharField(max_length=10)
    is_budget = models.BooleanField(default=False, help_text="Billed on budget billing.")
    minimum_charge = money_field(default=ZERO)
    total_charge = money_field()

    class Meta:
        ordering = ["-read_date", "pk"]
        verbose_name = "bill segment usage"
        verbose_name_plural = "bill segment usage"
        constraints = [
            models.UniqueConstraint(fields=["segment", "meter"], name="one_read_per_segment_meter"),
            models.CheckConstraint(
                condition=Q(read_date__gte=F("previous_read_date")),
                name="usage_read_after_previous",
            ),
            models.CheckConstraint(
                condition=Q(billed_quantity=F("actual_quantity") + F("adjusted_quantity")),
                name="usage_billed_is_actual_plus_adjusted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.read_date} {self.billed_quantity} {self.unit}"
