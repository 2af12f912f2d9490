"""What CSRs record about an account: notes, special conditions, To Do entries, credit
rating history. (Contacts live in contacts.py.)"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .config import NoteType, SpecialConditionType, ToDoType
from .customers import Account, Customer, Location


class Level(models.TextChoices):
    """What a note or special condition is attached to (seed 004, Notes tab): the customer
    (follows them to every location), the location (stays with the premise) or the account
    (this customer at this location)."""

    ACCOUNT = "account", "Account"
    CUSTOMER = "customer", "Customer"
    LOCATION = "location", "Location"


# The check constraints of records attached at a level (notes, special conditions,
# recurring items): the record of its level is set...
HAS_RECORD_OF_ITS_LEVEL = (
    Q(level="account", account__isnull=False)
    | Q(level="customer", customer__isnull=False)
    | Q(level="location", location__isnull=False)
)
# ...and, for those that can be deactivated, active exactly while never deactivated, so a
# deactivated row can't come back.
ACTIVE_UNTIL_DEACTIVATED = Q(is_active=True, deactivated_at__isnull=True) | Q(
    is_active=False, deactivated_at__isnull=False
)


class Note(models.Model):
    Level = Level

    class UsedFor(models.TextChoices):
        """The function a note serves beyond the panel, until its expiration date."""

        STATEMENT = "statement", "Statement message"
        PENALTY = "penalty", "Penalty / interest"
        LATE_NOTICE = "late_notice", "Late notice"
        SERVICE_ORDER = "service_order", "Service order"

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
    used_for = models.CharField(max_length=20, choices=UsedFor.choices, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["grace_date"])]
        constraints = [
            # seed 004: the Message Center and Payment Center boxes can't be checked for
            # location notes; location notes show in the Location Message Center anyway.
            models.CheckConstraint(
                condition=~Q(level="location")
                | Q(show_in_message_center=False, show_in_payment_center=False),
                name="note_location_has_no_center_flags",
            ),
            # seed 004: the expiration date is only active once "Used for" is chosen.
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | ~Q(used_for=""),
                name="note_expiration_needs_used_for",
            ),
            models.CheckConstraint(
                condition=HAS_RECORD_OF_ITS_LEVEL,
                name="note_has_record_of_its_level",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class SpecialCondition(models.Model):
    """A condition on an account, customer or location (medical, life support, dog on
    premises...) that exempts it from actions such as penalties (seed 004, Special
    Conditions tab). Level and code are fixed once saved. Once deactivated it can't be
    reactivated: add a new one instead."""

    Level = Level

    level = models.CharField(max_length=10, choices=Level.choices, default=Level.ACCOUNT)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="special_conditions"
    )
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="special_conditions",
    )
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="special_conditions",
    )
    # The seed's "Code": a configured condition with a description and maybe an icon.
    condition_type = models.ForeignKey(SpecialConditionType, on_delete=models.PROTECT)
    effective_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_active", "-effective_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("effective_on")),
                name="condition_expires_after_effective",
            ),
            # Active exactly while never deactivated: a deactivated row can't come back.
            models.CheckConstraint(
                condition=ACTIVE_UNTIL_DEACTIVATED,
                name="condition_active_until_deactivated",
            ),
            models.CheckConstraint(
                condition=HAS_RECORD_OF_ITS_LEVEL,
                name="condition_has_record_of_its_level",
            ),
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
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = "To Do entry"
        verbose_name_plural = "To Do entries"
        # seed 003 step 7.5: "a supervisor and the responsible user ... review and track"
        # the entry; only a supervisor hands it to someone else.
        permissions = [("reassign_todoentry", "Can reassign To Do entries to another user")]
        indexes = [models.Index(fields=["assigned_to", "status"], name="todo_assignee_status")]
        constraints = [
            # seed 003 step 7.4: one open entry per upload staging record in error, however
            # many runs or workers of `payment_upload_todo` race for it.
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(source__contains="Staging:") & ~models.Q(status="complete"),
                name="one_open_todo_per_staging_record",
                violation_error_message="This staging record already has an open To Do entry.",
            )
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.COMPLETE


class ToDoLog(models.Model):
    """Who did what to a To Do entry and when (seed 003 step 8.2: "may add comments or a
    log entry for future reference"). Written by accounts/services/work.py only; the
    entry's own created_at says when it was raised."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        REASSIGNED = "reassigned", "Reassigned"
        COMMENT = "comment", "Comment"
        COMPLETED = "completed", "Completed"

    entry = models.ForeignKey(ToDoEntry, on_delete=models.CASCADE, related_name="log")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Reassignments: whom the entry went to.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "To Do log entry"
        verbose_name_plural = "To Do log entries"

    def __str__(self) -> str:
        return f"{self.entry_id} {self.kind}"


class AccountOpen(models.Model):
    """The last time a user opened an account in the panel: one row per (user, account),
    upserted on each open, for the home page's "recently opened" list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="one_open_per_user_account")
        ]
        indexes = [models.Index(fields=["user", "-opened_at"], name="account_open_user_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.account_id} {self.opened_at}"


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
