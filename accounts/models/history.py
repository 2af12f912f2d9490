"""The change history of customer-facing records (DESIGN §8): one row per changed field,
written by the services that make the change, shown on the record in the panel."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .customers import Account, Customer, Location


class ChangeRecord(models.Model):
    """`field` is blank for whole-record events (created, deleted). Values are display
    text; personal data (SSN, driver's license) is stored masked, never in clear.

    `customer`, `location` and `account` say on which panel sections the change shows: a
    phone number change shows on its customer, a note change on its note's record.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    field = models.CharField(max_length=60, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["customer", "changed_at"]),
            models.Index(fields=["location", "changed_at"]),
            models.Index(fields=["account", "changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.object_repr} {self.action} {self.field}".strip()
