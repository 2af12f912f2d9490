"""To Do entries and credit rating events: raised by other processes, worked by people.

Working an entry (seed 003 steps 7.5-8.3, seed 001 step 2.1): a CSR assigns it to
themselves, adds comments, and completes it with a resolution; a supervisor reassigns it to
another user. Each step locks the entry (lock_objects.todo_qs_select_for_update), checks
its state again under the lock, and writes a ToDoLog row saying who did what and when.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..lock_objects import todo_qs_select_for_update
from ..models import Account, AccountOpen, CreditRatingEvent, ToDoEntry, ToDoLog, ToDoType

WORK_PERMISSION = "accounts.change_todoentry"
REASSIGN_PERMISSION = "accounts.reassign_todoentry"


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


def todos_create(*, type_code: str, subject: str, entries: list[dict]) -> list[ToDoEntry]:
    """Many entries of one type at once (a batch chunk's exceptions): `entries` hold
    `subject` (else `subject`), `detail`, `account_id` and `source`. Two queries."""
    if not entries:
        return []
    todo_type, _ = ToDoType.objects.get_or_create(
        code=type_code, defaults={"description": subject[:120]}
    )
    return ToDoEntry.objects.bulk_create(
        ToDoEntry(
            todo_type=todo_type,
            account_id=e.get("account_id"),
            subject=e.get("subject", subject)[:200],
            detail=e.get("detail", ""),
            source=e.get("source", "")[:80],
        )
        for e in entries
    )


def _who(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else "nobody"


def _require(user, permission: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise PermissionDenied


def _locked(todo: ToDoEntry) -> ToDoEntry:
    """The entry, row-locked, as it is now (another CSR may have just taken it)."""
    return todo_qs_select_for_update().select_related("assigned_to").get(pk=todo.pk)


def _still_open(todo: ToDoEntry) -> None:
    if todo.status == ToDoEntry.Status.COMPLETE:
        raise ValidationError("This To Do entry is already complete.")


@transaction.atomic
def todo_assign(*, todo: ToDoEntry, user) -> ToDoEntry:
    """Take the entry: it is assigned to `user` and being worked. Refused when someone
    else has it (only a supervisor moves it, with `todo_reassign`)."""
    _require(user, WORK_PERMISSION)
    todo = _locked(todo)
    _still_open(todo)
    if todo.assigned_to_id == user.pk:
        return todo
    if todo.assigned_to_id is not None:
        raise ValidationError(f"This To Do entry is already assigned to {_who(todo.assigned_to)}.")
    todo.assigned_to = user
    todo.status = ToDoEntry.Status.BEING_WORKED
    todo.save(update_fields=["assigned_to", "status"])
    ToDoLog.objects.create(entry=todo, kind=ToDoLog.Kind.ASSIGNED, user=user, assigned_to=user)
    return todo


@transaction.atomic
def todo_reassign(*, todo: ToDoEntry, user, to_user) -> ToDoEntry:
    """A supervisor hands the entry to another user who may work entries."""
    _require(user, REASSIGN_PERMISSION)
    if to_user is None or not to_user.is_active or not to_user.has_perm(WORK_PERMISSION):
        raise ValidationError({"to_user": "Choose a user who works To Do entries."})
    todo = _locked(todo)
    _still_open(todo)
    if todo.assigned_to_id == to_user.pk:
        raise ValidationError({"to_user": f"It is already assigned to {_who(to_user)}."})
    before = _who(todo.assigned_to) if todo.assigned_to_id else "nobody"
    todo.assigned_to = to_user
    todo.status = ToDoEntry.Status.BEING_WORKED
    todo.save(update_fields=["assigned_to", "status"])
    ToDoLog.objects.create(
        entry=todo,
        kind=ToDoLog.Kind.REASSIGNED,
        user=user,
        assigned_to=to_user,
        text=f"From {before} to {_who(to_user)}.",
    )
    return todo


@transaction.atomic
def todo_comment(*, todo: ToDoEntry, user, text: str) -> ToDoLog:
    """A comment for the record (seed 003 step 8.2: "comments or a log entry for future
    reference")."""
    _require(user, WORK_PERMISSION)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write a comment."})
    todo = _locked(todo)
    _still_open(todo)
    return ToDoLog.objects.create(entry=todo, kind=ToDoLog.Kind.COMMENT, user=user, text=text)


@transaction.atomic
def todo_complete(*, todo: ToDoEntry, user=None, resolution: str = "") -> ToDoEntry:
    """Complete the entry (seed 003 steps 8.2-8.3). From the panel (`user` given) a
    resolution comment is required, and only the assignee or a supervisor completes an
    entry someone else has; an unassigned entry is assigned to whoever completes it."""
    resolution = (resolution or "").strip()
    if user is not None:
        _require(user, WORK_PERMISSION)
        if not resolution:
            raise ValidationError({"resolution": "Say how the entry was resolved."})
    todo = _locked(todo)
    _still_open(todo)
    if (
        user is not None
        and todo.assigned_to_id not in (None, user.pk)
        and not user.has_perm(REASSIGN_PERMISSION)
    ):
        raise ValidationError(
            f"This To Do entry is assigned to {_who(todo.assigned_to)}; "
            "only they or a supervisor can complete it."
        )
    todo.status = ToDoEntry.Status.COMPLETE
    todo.completed_at = timezone.now()
    todo.completed_by = user
    if todo.assigned_to_id is None and user is not None:
        todo.assigned_to = user
    todo.save(update_fields=["status", "completed_at", "completed_by", "assigned_to"])
    ToDoLog.objects.create(entry=todo, kind=ToDoLog.Kind.COMPLETED, user=user, text=resolution)
    return todo


def account_open_record(*, user, account: Account) -> None:
    """Remember that `user` opened `account` (the home page's recently opened list): one
    upsert per panel page, one row per user and account."""
    if not getattr(user, "pk", None):
        return
    AccountOpen.objects.bulk_create(
        [AccountOpen(user=user, account=account, opened_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "account"],
        update_fields=["opened_at"],
    )


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
