"""To Do entries and credit rating events: raised by other processes, worked by people."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from ..models import Account, CreditRatingEvent, ToDoEntry, ToDoType


def todo_create(
    *,
    type_code: str,
    subject: str,
    detail: str = "",
    account: Account | None = None,
    source: str = "",
) -> ToDoEntry:
    todo_type, _ = ToDoType.objects.get_or_create(
        code=type_code, defaults={"description": subject[:120]}
    )
    return ToDoEntry.objects.create(
        todo_type=todo_type, account=account, subject=subject, detail=detail, source=source
    )


@transaction.atomic
def todo_complete(*, todo: ToDoEntry) -> ToDoEntry:
    todo.status = ToDoEntry.Status.COMPLETE
    todo.completed_at = timezone.now()
    todo.save(update_fields=["status", "completed_at"])
    return todo


def credit_event_add(
    *,
    account: Account,
    reason: str,
    credit_rating_points: int = 0,
    cash_only_points: int = 0,
    effective_on: date | None = None,
    expires_on: date | None = None,
) -> CreditRatingEvent:
    return CreditRatingEvent.objects.create(
        account=account,
        reason=reason,
        credit_rating_points=credit_rating_points,
        cash_only_points=cash_only_points,
        effective_on=effective_on or timezone.localdate(),
        expires_on=expires_on,
    )
