"""API authentication (issue 7 item 17). Integrations send `Authorization: Api-Key
<key>`: keys are created per user (`manage.py apikey_create`, or the admin), stored only
as a SHA-512 hash (djangorestframework-api-key) and checked with one hash per request,
where HTTP basic auth ran a 1,000,000-round PBKDF2 every time. The key's user's roles
decide what it may do. Failures count towards the `auth_failure` throttle."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed

from .throttling import auth_failure_check, auth_failure_record

KEYWORD = "Api-Key"
# A username longer than the user table holds, or a NUL byte anywhere (PostgreSQL text
# cannot hold one), is a wrong credential: refused as a 401 before any lookup, where the
# database would refuse it with an error (and django-axes would fail to log the attempt).
USERNAME_MAX = 150


def _unstorable(value: str, *, max_length: int | None = None) -> bool:
    return "\x00" in value or (max_length is not None and len(value) > max_length)


def _scheme(request) -> bytes:
    parts = get_authorization_header(request).split()
    return parts[0].lower() if parts else b""


class ApiKeyAuthentication(BaseAuthentication):
    """First in DEFAULT_AUTHENTICATION_CLASSES: its challenge is the WWW-Authenticate
    header of every 401."""

    def authenticate(self, request):
        if _scheme(request) != KEYWORD.lower().encode():
            return None
        auth_failure_check(request)
        try:
            return self._check(get_authorization_header(request).split())
        except AuthenticationFailed:
            auth_failure_record(request)
            raise

    @staticmethod
    def _check(parts: list[bytes]):
        from cis.models import UserAPIKey

        if len(parts) != 2:
            raise AuthenticationFailed(f"Give one key after '{KEYWORD}'.")
        try:
            key = parts[1].decode("ascii")
            if _unstorable(key):
                raise UserAPIKey.DoesNotExist
            api_key = UserAPIKey.objects.get_from_key(key)
        except (UnicodeDecodeError, UserAPIKey.DoesNotExist):
            raise AuthenticationFailed("Invalid API key.")
        if api_key.has_expired or not api_key.user.is_active:
            raise AuthenticationFailed("This API key has expired or its user is inactive.")
        return api_key.user, api_key

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'


class ThrottledBasicAuthentication(BasicAuthentication):
    """HTTP basic auth (only when OPENCIS_API_BASIC_AUTH is on), with failures throttled
    and wrong passwords counted by the sign-in lockout (it authenticates through
    `django.contrib.auth.authenticate`, hence django-axes)."""

    def authenticate(self, request):
        if _scheme(request) != b"basic":
            return None
        auth_failure_check(request)
        try:
            return staff_only(super().authenticate(request))
        except AuthenticationFailed:
            auth_failure_record(request)
            raise

    def authenticate_credentials(self, userid, password, request=None):
        if _unstorable(userid, max_length=USERNAME_MAX) or _unstorable(password):
            raise AuthenticationFailed("Invalid username/password.")
        return super().authenticate_credentials(userid, password, request)


def staff_only(result):
    """The staff API is not for customers' web logins (issue 11 item 6: a web user signs
    in to /my/ only): their credentials or session authenticate nobody here."""
    if result and hasattr(result[0], "web_login"):
        raise AuthenticationFailed("Web self-care logins cannot use the API.")
    return result


class StaffSessionAuthentication(SessionAuthentication):
    """Django's session (the ACP's signed-in staff), never a web self-care login's."""

    def authenticate(self, request):
        return staff_only(super().authenticate(request))


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = StaffSessionAuthentication
    name = "cookieAuth"
    priority = -1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"`{KEYWORD} <key>`, a key from `manage.py apikey_create`.",
        }


class ThrottledBasicScheme(OpenApiAuthenticationExtension):
    target_class = ThrottledBasicAuthentication
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}
