"""Configuration tables a utility maintains in the admin."""

from django.db import models


class CodeTable(models.Model):
    """A short code with a description: the shape of most configuration tables."""

    code = models.CharField(max_length=20, unique=True)
    description = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.description}"


class GLAccount(CodeTable):
    """A general-ledger account that FT lines post to."""

    class Meta(CodeTable.Meta):
        verbose_name = "GL account"


class RevenueClass(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name_plural = "revenue classes"


class BillCycle(CodeTable):
    pass


class AccountStatusCode(CodeTable):
    """User-defined account status (e.g. 'Good standing', 'Collections')."""


class SAType(CodeTable):
    """The kind of a service agreement and how payments treat it.

    `payment_priority`: 1 is paid first (seed 003, PYDISTPPRTY). The GL accounts are the
    receivable the SA's balance sits in and the revenue its charges are booked to.
    """

    payment_priority = models.PositiveSmallIntegerField(default=50)
    is_overpayment_eligible = models.BooleanField(default=False)
    is_deposit = models.BooleanField(default=False)
    is_excess_credit = models.BooleanField(
        default=False, help_text="Holds overpayments when no eligible SA exists."
    )
    receivable_gl = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")
    revenue_gl = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")

    class Meta(CodeTable.Meta):
        verbose_name = "SA type"


class AdjustmentType(CodeTable):
    """Adjustments post against the SA's receivable with this GL as the offset."""

    offset_gl = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")
    is_nsf_charge = models.BooleanField(default=False)


class NoteType(CodeTable):
    pass


class SpecialConditionType(CodeTable):
    """Special conditions may carry an icon shown on the dashboard cards."""

    icon = models.CharField(max_length=40, blank=True, help_text="Icon name shown on the cards.")


class ToDoType(CodeTable):
    """A kind of work item; routed to a role."""

    role = models.CharField(max_length=40, default="CSR")
    priority = models.PositiveSmallIntegerField(default=50)
