"""The To Do screen and the home page: which entries a user sees, the header's count, the
recently opened accounts (issue 8 item 16; seed 003 steps 7.5-8.3).

Who sees what: a supervisor (who may reassign) sees every entry; anyone else sees the
entries assigned to them and those routed to one of their roles (ToDoType.role names a
role group). An entry on a private account is hidden unless the account is visible to the
user (`accounts_visible`, the panel's one visibility rule).
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from ...models import AccountOpen, ToDoEntry, ToDoType
from ...services.work import REASSIGN_PERMISSION
from .access import PRIVATE_PERMISSION, accounts_visible

STATUS_FILTERS = {
    # Not "open": that is the Open status's own value.
    "active": ("Open or being worked", ~Q(status=ToDoEntry.Status.COMPLETE)),
    ToDoEntry.Status.OPEN: ("Open (unassigned)", Q(status=ToDoEntry.Status.OPEN)),
    ToDoEntry.Status.BEING_WORKED: ("Being worked", Q(status=ToDoEntry.Status.BEING_WORKED)),
    ToDoEntry.Status.COMPLETE: ("Complete", Q(status=ToDoEntry.Status.COMPLETE)),
    "all": ("All", Q()),
}
PAGE = 50


def user_roles(user) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


def _visible_accounts_q(user) -> Q:
    if user.has_perm(PRIVATE_PERMISSION):
        return Q()
    return Q(account__isnull=True) | Q(account__in=accounts_visible(user=user).values("pk"))


def todos_visible(*, user) -> QuerySet[ToDoEntry]:
    qs = ToDoEntry.objects.filter(_visible_accounts_q(user))
    if not user.has_perm(REASSIGN_PERMISSION):
        qs = qs.filter(Q(assigned_to=user) | Q(todo_type__role__in=user_roles(user)))
    return qs


def todo_badge_count(*, user) -> int:
    """The header's badge: my entries not yet complete, plus unassigned open entries for
    my roles."""
    mine = Q(assigned_to=user) & ~Q(status=ToDoEntry.Status.COMPLETE)
    waiting = Q(
        assigned_to__isnull=True,
        status=ToDoEntry.Status.OPEN,
        todo_type__role__in=user_roles(user),
    )
    return ToDoEntry.objects.filter(_visible_accounts_q(user)).filter(mine | waiting).count()


@dataclass
class TodoFilters:
    todo_type: str = ""
    role: str = ""
    status: str = "active"
    mine: bool = False

    @classmethod
    def from_query(cls, query) -> "TodoFilters":
        status = query.get("status") or "active"
        return cls(
            todo_type=query.get("type", ""),
            role=query.get("role", ""),
            status=status if status in STATUS_FILTERS else "active",
            mine=query.get("mine") in ("1", "on", "true"),
        )


def todo_list(*, user, filters: TodoFilters) -> list[ToDoEntry]:
    qs = todos_visible(user=user).filter(STATUS_FILTERS[filters.status][1])
    if filters.todo_type:
        qs = qs.filter(todo_type__code=filters.todo_type)
    if filters.role:
        qs = qs.filter(todo_type__role=filters.role)
    if filters.mine:
        qs = qs.filter(assigned_to=user)
    return list(
        qs.select_related("todo_type", "account__customer", "assigned_to").order_by(
            "todo_type__priority", "-created_at", "-pk"
        )[:PAGE]
    )


def todo_filter_choices() -> dict:
    types = list(ToDoType.objects.order_by("priority", "code").values_list("code", "description"))
    roles = sorted(set(ToDoType.objects.values_list("role", flat=True)))
    return {
        "types": types,
        "roles": roles,
        "statuses": [(key, label) for key, (label, _) in STATUS_FILTERS.items()],
    }


def todo_get(*, user, pk: int) -> ToDoEntry:
    """One entry this user may see (404 otherwise, as for a private account)."""
    entry = (
        todos_visible(user=user)
        .select_related("todo_type", "account__customer", "assigned_to", "completed_by")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404("No such To Do entry")
    return entry


def todo_log(*, entry: ToDoEntry) -> list:
    return list(entry.log.select_related("user", "assigned_to"))


def my_open_todos(*, user, limit: int = 10) -> list[ToDoEntry]:
    return list(
        ToDoEntry.objects.filter(_visible_accounts_q(user), assigned_to=user)
        .exclude(status=ToDoEntry.Status.COMPLETE)
        .select_related("todo_type", "account__customer")
        .order_by("todo_type__priority", "-created_at", "-pk")[:limit]
    )


def recent_accounts(*, user, limit: int = 8) -> list[AccountOpen]:
    return list(
        AccountOpen.objects.filter(user=user, account__in=accounts_visible(user=user).values("pk"))
        .select_related("account__customer", "account__location")
        .order_by("-opened_at")[:limit]
    )


def todo_workers() -> QuerySet:
    """Users a supervisor may hand an entry to: active, allowed to work entries."""
    from django.contrib.auth import get_user_model

    by_group = Q(groups__permissions__codename="change_todoentry") & Q(
        groups__permissions__content_type__app_label="accounts"
    )
    by_user = Q(user_permissions__codename="change_todoentry") & Q(
        user_permissions__content_type__app_label="accounts"
    )
    return (
        get_user_model()
        .objects.filter(Q(is_active=True) & (by_group | by_user | Q(is_superuser=True)))
        .distinct()
        .order_by("username")
    )
