"""Sign-in lockout (issue 7 item 17): django-axes counts wrong passwords per user name and
address and refuses sign-ins for a cool-off time after `AXES_FAILURE_LIMIT` of them."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, first in AUTHENTICATION_BACKENDS (ModelBackend checks the
    password after it). A check without a request (`Client.login` in tests, management
    commands) comes from no client that could be locked out, so it is let through instead
    of raising as axes does."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
