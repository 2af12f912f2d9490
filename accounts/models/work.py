"""What CSRs record about an account: notes, contacts, special conditions, To Do entries,
credit rating history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .config import NoteType, SpecialConditionType, ToDoType
from .customers import Account, Customer, Location


class Note(models.Model):
    class Level(models.TextChoices):
        ACCOUNT = "account", "Account"
        CUSTOMER = "customer", "Customer"
        LOCATION = "location", "Location"

    level = models.CharField(max_length=10, choices=Level.choices, default=Level.ACCOUNT)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    note_type = models.ForeignKey(NoteType, null=True, blank=True, on_delete=models.PROTECT)
    subject = models.CharField(max_length=120)
    text = models.TextField()
    show_in_message_center = models.BooleanField(default=False)
    show_in_payment_center = models.BooleanField(default=False)
    grace_date = models.DateField(null=True, blank=True)
    used_for = models.CharField(max_length=60, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level="account", account__isnull=False)
                    | Q(level="customer", customer__isnull=False)
                    | Q(level="location", location__isnull=False)
                ),
                name="note_has_record_of_its_level",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class Contact(models.Model):
    """A person to reach about a customer or a location (tenant, spouse, manager...)."""

    class Notices(models.TextChoices):
        MAIL = "mail", "Mail"
        EMAIL = "email", "Email"
        NONE = "none", "None"

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=120)
    relationship = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    mailing_address = models.CharField(max_length=200, blank=True)
    notices = models.CharField(max_length=10, choices=Notices.choices, default=Notices.NONE)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(location__isnull=False),
                name="contact_belongs_somewhere",
            ),
            models.CheckConstraint(
                condition=~Q(notices="email") | ~Q(email=""), name="email_notices_need_email"
            ),
            models.CheckConstraint(
                condition=~Q(notices="mail") | ~Q(mailing_address=""),
                name="mail_notices_need_address",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SpecialCondition(models.Model):
    """A condition on an account (medical, life support, dog on premises...). Once
    deactivated it can't be reactivated (seed 004): add a new one instead."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="special_conditions"
    )
    condition_type = models.ForeignKey(SpecialConditionType, on_delete=models.PROTECT)
    code = models.CharField(max_length=20, blank=True)
    effective_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_active", "-effective_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("effective_on")),
                name="condition_expires_after_effective",
            )
        ]

    def __str__(self) -> str:
        return f"{self.condition_type.code} {self.effective_on}"


class ToDoEntry(models.Model):
    """A work item for a person: exceptions, reviews, follow-ups."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        BEING_WORKED = "being_worked", "Being worked"
        COMPLETE = "complete", "Complete"

    todo_type = models.ForeignKey(ToDoType, on_delete=models.PROTECT)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="todos"
    )
    subject = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    # What raised it, e.g. "payments.PaymentTenderStaging:42", so a screen can link back.
    source = models.CharField(max_length=80, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="todos",
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = "To Do entry"
        verbose_name_plural = "To Do entries"

    def __str__(self) -> str:
        return self.subject


class CreditRatingEvent(models.Model):
    """A change to an account's credit rating and cash-only score (seed 003 step 4.3).

    The current rating is the base rating plus the points of unexpired events; the cash-only
    score likewise. Past a configured threshold, the account pays cash only.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="credit_events")
    credit_rating_points = models.IntegerField(default=0)
    cash_only_points = models.IntegerField(default=0)
    reason = models.CharField(max_length=200)
    effective_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.credit_rating_points:+d} {self.reason}"
