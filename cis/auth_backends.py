"""Sign-in lockout (issue 7 item 17): django-axes counts wrong passwords per user name and
address and refuses sign-ins for a cool-off time after `AXES_FAILURE_LIMIT` of them."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, first in AUTHENTICATION_BACKENDS (ModelBackend checks the
    password after it). A check without a request (`Client.login` in tests, management
    commands) comes from no client that could be locked out, so it is let through instead
    of raising as axes does."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PermissionsBackend(ModelBackend):
    """A user's permissions (their own and their groups') in one query instead of
    ModelBackend's two, checked on every API request. It authenticates nobody: sign-ins and
    sessions stay ModelBackend's. It fills the same per-user cache as ModelBackend, which
    comes after it and answers from that cache, so permissions are exactly ModelBackend's,
    valid for the request's user object as before (a role change applies to the next
    request)."""

    def authenticate(self, request, **kwargs):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser or hasattr(user_obj, "_perm_cache"):
            return super().get_all_permissions(user_obj, obj)
        pairs = ("content_type__app_label", "codename")
        rows = (
            # No ORDER BY in either half: SQLite (`make run`) refuses one in a compound.
            Permission.objects.filter(user=user_obj)
            .order_by()
            .values_list(*pairs)
            .union(Permission.objects.filter(group__user=user_obj).order_by().values_list(*pairs))
        )
        user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
