"""Customer documents and note attachments (seed 004, Customer tab > Documents; Notes tab
> Attachments). Files are checked before they are stored and stored under random names."""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from ..models import Customer, CustomerDocument, DocumentType, Note, NoteAttachment
from .changes import Scope, changes_record

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Documents a utility keeps: scans, photos, office files. No HTML or scripts, which a
# browser could run when the file is opened.
ALLOWED_SUFFIXES = {
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".tif",
    ".tiff",
    ".txt",
    ".csv",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".odt",
}


def upload_check(*, upload: UploadedFile, field: str = "file") -> None:
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        allowed = ", ".join(sorted(ALLOWED_SUFFIXES))
        raise ValidationError(
            {field: f"Files of type {suffix or '(none)'} aren't accepted ({allowed})."}
        )
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({field: "The file is larger than 10 MB."})
    if upload.size == 0:
        raise ValidationError({field: "The file is empty."})


@transaction.atomic
def customer_document_add(
    *,
    customer: Customer,
    user,
    document_type: DocumentType,
    description: str,
    upload: UploadedFile,
) -> CustomerDocument:
    upload_check(upload=upload)
    if not description.strip():
        raise ValidationError({"description": "Describe the document."})
    document = CustomerDocument(
        customer=customer,
        document_type=document_type,
        description=description.strip(),
        original_name=PurePath(upload.name).name[:200],
        size=upload.size,
        uploaded_by=user,
    )
    document.file.save(upload.name, upload, save=False)
    document.save()
    changes_record(
        instance=document, before={}, user=user, scope=Scope(customer=customer), action="created"
    )
    return document


@transaction.atomic
def customer_document_delete(*, customer: Customer, user, document: CustomerDocument) -> None:
    if document.customer_id != customer.pk:
        raise ValidationError("That document belongs to another customer.")
    changes_record(
        instance=document, before={}, user=user, scope=Scope(customer=customer), action="deleted"
    )
    stored = document.file.name
    storage = document.file.storage
    document.delete()
    # The file goes only once the row is surely gone.
    transaction.on_commit(lambda: storage.delete(stored))


@transaction.atomic
def note_attachment_add(*, note: Note, user, upload: UploadedFile) -> NoteAttachment:
    upload_check(upload=upload)
    attachment = NoteAttachment(
        note=note,
        original_name=PurePath(upload.name).name[:200],
        size=upload.size,
        uploaded_by=user,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    changes_record(
        instance=attachment,
        before={},
        user=user,
        scope=Scope(customer=note.customer, location=note.location, account=note.account),
        action="created",
    )
    return attachment
