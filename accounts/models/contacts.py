"""Contacts: people to reach about a customer or a location (seed 004, Contacts tab), each
with their own addresses, emails and phones, one of each primary."""

from django.db import models
from django.db.models import Q

from .config import ContactType
from .customers import Customer, Location


class Contact(models.Model):
    """A customer contact goes with the customer wherever they move; a location contact
    stays with the premise whoever moves in. Exactly one of the two links is set."""

    class Notices(models.TextChoices):
        MAIL = "mail", "Mail"
        EMAIL = "email", "Email"
        NONE = "none", "None"

    contact_type = models.ForeignKey(ContactType, on_delete=models.PROTECT)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    first_name = models.CharField(max_length=60)
    middle_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60)
    suffix = models.CharField(max_length=10, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    # Whether and how the contact gets duplicate notices; mail needs an address on file,
    # email an email address (checked by the service: the rows live in other tables).
    notices = models.CharField(max_length=10, choices=Notices.choices, default=Notices.NONE)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False, location__isnull=True)
                | Q(customer__isnull=True, location__isnull=False),
                name="contact_belongs_to_customer_or_location",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        parts = [self.first_name, self.middle_name, self.last_name, self.suffix]
        return " ".join(p for p in parts if p)


class ContactAddress(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=20, default="mailing")
    line1 = models.CharField(max_length=120)
    line2 = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, default="US")
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], condition=Q(is_primary=True), name="one_primary_contact_address"
            )
        ]
        verbose_name_plural = "contact addresses"

    def __str__(self) -> str:
        return f"{self.line1}, {self.city}, {self.state} {self.postal_code}".strip()


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, default="personal")
    address = models.EmailField()
    description = models.CharField(max_length=120, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], condition=Q(is_primary=True), name="one_primary_contact_email"
            )
        ]

    def __str__(self) -> str:
        return self.address


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    kind = models.CharField(max_length=20, default="mobile")
    number = models.CharField(max_length=20, help_text="Digits only.")
    extension = models.CharField(max_length=10, blank=True)
    description = models.CharField(max_length=120, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], condition=Q(is_primary=True), name="one_primary_contact_phone"
            )
        ]

    def __str__(self) -> str:
        n = self.number
        return f"({n[:3]}) {n[3:6]}-{n[6:]}" if len(n) == 10 else n
