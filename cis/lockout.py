"""Password re-entry inside the panel (the SSN-reveal prompt) counts towards the same
lockout as the sign-in page (django-axes): wrong passwords are recorded against the user,
and once the limit is reached the prompt refuses, even the right password, for the
cool-off time. Axes records every failure (AccessAttempt, AccessFailureLog with
`locked_out`) and logs the lockout: that is the audit an administrator reviews in the
admin under Axes."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate


class LockedOut(Exception):
    """Too many wrong passwords: refused without looking at the password."""


def password_recheck(*, request, user, password: str) -> bool:
    """True when `password` is `user`'s. Raises LockedOut when the user is locked out,
    before or because of this attempt. Without a request (no client to count against) it
    is a plain password check."""
    if request is None:
        return user.check_password(password)
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        raise LockedOut
    checked = authenticate(request=request, username=user.get_username(), password=password)
    if checked is not None and checked.pk == user.pk:
        return True
    if getattr(request, "axes_locked_out", False):
        # This attempt reached the limit. The caller says so in its own answer (an htmx
        # prompt would not show axes' full-page 429), so the middleware must not replace it.
        request.axes_locked_out = False
        raise LockedOut
    return False
