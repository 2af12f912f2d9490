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
    # Seed 001 step 1.7: only charges on eligible SA types are drafted automatically.
    is_autopay_eligible = models.BooleanField(
        default=True, help_text="Bill charges on SAs of this type may be paid by autopay."
    )
    receivable_gl = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")
    revenue_gl = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")

    class Meta(CodeTable.Meta):
        verbose_name = "SA type"


class AdjustmentType(CodeTable):
    """Adjustments post against the SA's receivable with this GL as the offset."""

    offset_gl = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")
    is_nsf_charge = models.BooleanField(default=False)
    # Penalty / interest charges are what the Message Center counts as "late charges in
    # the last 12 months" (seed 004, Customer tab > Message Center).
    is_penalty = models.BooleanField(default=False)


class NoteType(CodeTable):
    pass


class SpecialConditionType(CodeTable):
    """Special conditions may carry an icon shown on the dashboard cards."""

    icon = models.CharField(max_length=40, blank=True, help_text="Icon name shown on the cards.")
    # What the condition exempts the account from (delinquency reads these).
    exempts_penalty = models.BooleanField(
        default=False, help_text="Accounts with this condition are not charged late fees."
    )
    protects_from_shutoff = models.BooleanField(
        default=False, help_text="Accounts with this condition are never shut-off candidates."
    )


class ToDoType(CodeTable):
    """A kind of work item; routed to a role."""

    role = models.CharField(max_length=40, default="CSR")
    priority = models.PositiveSmallIntegerField(default=50)


class Scope(models.TextChoices):
    """Whether a user-defined item belongs to the customer or to the location: customer
    items follow the person wherever they move, location items stay with the premise
    (seed 004, Contacts tab)."""

    CUSTOMER = "customer", "Customer"
    LOCATION = "location", "Location"


class UDCCaption(CodeTable):
    """A user-defined code (UDC) caption, e.g. 'Language' or 'Meter access'. A customer or
    location carries at most one value per caption (seed 004, Customer / Location Codes)."""

    applies_to = models.CharField(max_length=10, choices=Scope.choices)

    class Meta(CodeTable.Meta):
        verbose_name = "user-defined code caption"


class UDCValue(models.Model):
    caption = models.ForeignKey(UDCCaption, on_delete=models.CASCADE, related_name="values")
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["caption", "code"]
        constraints = [
            models.UniqueConstraint(fields=["caption", "code"], name="udc_value_unique_in_caption")
        ]
        verbose_name = "user-defined code value"

    def __str__(self) -> str:
        return f"{self.code} — {self.description}"


class DocumentType(CodeTable):
    """Secure documents are opened only by roles holding `view_secure_document`."""

    is_secure = models.BooleanField(default=False)


class CustomField(CodeTable):
    """A utility-defined extra field on the Customer or Location tab ("Custom Fields").

    Values live in the `custom_fields` JSON of the customer or location, keyed by `code`.
    """

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        YES_NO = "yes_no", "Yes / No"

    applies_to = models.CharField(max_length=10, choices=Scope.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    is_required = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta(CodeTable.Meta):
        ordering = ["applies_to", "position", "code"]


class ContactType(CodeTable):
    """Emergency, Landlord, Employer... A customer contact goes with the customer; a location
    contact stays with the premise whoever moves in (seed 004, Contacts tab)."""

    applies_to = models.CharField(max_length=10, choices=Scope.choices, default=Scope.CUSTOMER)
    # Built-in types can't be edited or deleted in setup (seed 004: "IS System").
    is_system = models.BooleanField(default=False)
