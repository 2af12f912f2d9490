"""What the panel keeps on a customer or location beyond its own columns: user-defined
codes, documents, permits, note attachments (seed 004, Customer and Location tabs)."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone

from .config import DocumentType, UDCCaption, UDCValue
from .customers import Customer, Location
from .work import Note


class CustomerCode(models.Model):
    """One UDC value of a customer per caption; only the value changes after saving."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="codes")
    caption = models.ForeignKey(UDCCaption, on_delete=models.PROTECT, related_name="+")
    value = models.ForeignKey(UDCValue, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["caption__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "caption"], name="one_customer_code_per_caption"
            )
        ]

    def __str__(self) -> str:
        return f"{self.caption.description}: {self.value.description}"


class LocationCode(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="codes")
    caption = models.ForeignKey(UDCCaption, on_delete=models.PROTECT, related_name="+")
    value = models.ForeignKey(UDCValue, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["caption__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "caption"], name="one_location_code_per_caption"
            )
        ]

    def __str__(self) -> str:
        return f"{self.caption.description}: {self.value.description}"


class LocationPermit(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="permits")
    number = models.CharField(max_length=40)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["location", "number"], name="permit_unique_at_location")
        ]

    def __str__(self) -> str:
        return self.number


def _stored_name(folder: str, filename: str) -> str:
    # The user's file name is kept in a column, never in the path: no traversal, no
    # collisions, nothing personal in directory listings.
    return f"{folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


def customer_document_path(instance: "CustomerDocument", filename: str) -> str:
    return _stored_name(f"customer-documents/{instance.customer_id}", filename)


def note_attachment_path(instance: "NoteAttachment", filename: str) -> str:
    return _stored_name(f"note-attachments/{instance.note_id}", filename)


class CustomerDocument(models.Model):
    """A file kept on the customer; secure types open only for permitted roles."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="documents")
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT)
    description = models.CharField(max_length=200)
    file = models.FileField(upload_to=customer_document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        permissions = [("view_secure_document", "Can open secure customer documents")]

    def __str__(self) -> str:
        return self.description


class NoteAttachment(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=note_attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
