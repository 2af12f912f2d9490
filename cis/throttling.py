"""API throttling (issue 7 item 17), rates in `OPENCIS_THROTTLE_RATES` (from the
environment, read per request so tests can change them).

DRF runs its throttles after the permission check, so an anonymous request to a
protected endpoint is refused (401) before any throttle counts it, and a failed
authentication raises before throttles run at all. Both limits therefore act during
authentication: `auth_failure_check` / `auth_failure_record` around each credential check
(per client address: guessing keys or passwords stops for the rest of the window), and
`AnonymousRateLimit`, last in DEFAULT_AUTHENTICATION_CLASSES, for requests no class
authenticated. Counters live in the default cache: set OPENCIS_CACHE_URL to a Redis URL so
that all web workers share them."""

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle


class _ScopedThrottle(SimpleRateThrottle):
    """A rate per client address, looked up in settings when used."""

    def get_rate(self):
        return settings.OPENCIS_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view=None):
        # never request.user here: this runs while the request is being authenticated
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonThrottle(_ScopedThrottle):
    scope = "anon"


class AuthFailureThrottle(_ScopedThrottle):
    scope = "auth_failure"

    def failures(self, request) -> list[float]:
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return self.history


def auth_failure_check(request) -> None:
    """Raise Throttled (429) when this address failed authentication too often lately."""
    throttle = AuthFailureThrottle()
    if throttle.rate is not None and len(throttle.failures(request)) >= throttle.num_requests:
        raise Throttled(wait=throttle.history[-1] - (throttle.now - throttle.duration))


def auth_failure_record(request) -> None:
    throttle = AuthFailureThrottle()
    if throttle.rate is not None:
        history = throttle.failures(request)
        history.insert(0, throttle.now)
        throttle.cache.set(throttle.key, history, throttle.duration)


class AnonymousRateLimit(BaseAuthentication):
    """Authenticates nobody; counts the requests that reach it (no earlier class knew the
    caller) against the anonymous rate."""

    def authenticate(self, request):
        throttle = AnonThrottle()
        if throttle.rate is not None and not throttle.allow_request(request, None):
            raise Throttled(wait=throttle.wait())
        return None
