"""Reading the change history for the panel's "Changes" sections."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from ...models import ChangeRecord

CHANGES_SHOWN = 40


def _labelled(rows: list[ChangeRecord]) -> list[ChangeRecord]:
    """Give each row a readable field label ('Last name', 'Custom field AKA')."""
    for row in rows:
        name, _, key = row.field.partition(".")
        label = name
        model = row.content_type.model_class() if row.field else None
        if model is not None:
            try:
                label = str(model._meta.get_field(name).verbose_name)
            except Exception:  # a field since removed keeps its stored name
                label = name
        row.label = (f"{label} {key}" if key else label).capitalize() if row.field else ""
    return rows


def _rows(qs: QuerySet[ChangeRecord], limit: int) -> list[ChangeRecord]:
    return _labelled(list(qs.select_related("user", "content_type")[:limit]))


def changes_for_customer(*, customer_id: int, limit: int = CHANGES_SHOWN) -> list[ChangeRecord]:
    return _rows(ChangeRecord.objects.filter(customer_id=customer_id), limit)


def changes_for_location(*, location_id: int, limit: int = CHANGES_SHOWN) -> list[ChangeRecord]:
    return _rows(ChangeRecord.objects.filter(location_id=location_id), limit)


def changes_for_account(*, account_id: int, limit: int = CHANGES_SHOWN) -> list[ChangeRecord]:
    return _rows(ChangeRecord.objects.filter(account_id=account_id), limit)


def changes_for_object(*, instance: Model, limit: int = CHANGES_SHOWN) -> list[ChangeRecord]:
    content_type = ContentType.objects.get_for_model(instance)
    return _rows(
        ChangeRecord.objects.filter(content_type=content_type, object_id=instance.pk), limit
    )
