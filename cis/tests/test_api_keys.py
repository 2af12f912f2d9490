"""API keys for integrations and throttling (issue 7 item 17): a hashed key tied to a user
authenticates without a password hash per request, the user's role still decides what
the key may do, and anonymous or failing callers are throttled."""

import base64
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def _key_for(username: str, group: str | None, capsys) -> str:
    user = User.objects.create_user(username, password="a-password-9")
    if group:
        user.groups.add(Group.objects.get(name=group))
    call_command("apikey_create", username, "--name", "lockbox importer")
    return capsys.readouterr().out.strip().splitlines()[-1]


def _get(path: str, key: str | None = None, **headers):
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return APIClient().get(path, **headers)


def test_apikey_create_prints_a_key_that_authenticates_as_its_user(capsys):
    """An administrator creates a key for an integration user; the key is shown once and
    only its hash is stored."""
    from cis.models import UserAPIKey

    key = _key_for("lockbox", "CSR", capsys)
    stored = UserAPIKey.objects.get()
    assert stored.user.username == "lockbox" and stored.name == "lockbox importer"
    assert key not in stored.hashed_key and key.split(".")[1] not in stored.id
    response = _get("/api/v1/tender-types/", key)
    assert response.status_code == 200, response.content


def test_a_key_has_its_users_role_permissions(capsys):
    """A key of a user without the CSR role cannot read payment configuration."""
    key = _key_for("norole", None, capsys)
    assert _get("/api/v1/tender-types/", key).status_code == 403


def test_a_key_does_not_hash_a_password_per_request(capsys):
    """Basic auth ran a 1,000,000-round PBKDF2 on every request; a key is one SHA-512."""
    key = _key_for("fast", "CSR", capsys)
    with mock.patch(
        "django.contrib.auth.hashers.check_password", side_effect=AssertionError("hashed")
    ):
        assert _get("/api/v1/tender-types/", key).status_code == 200


def test_wrong_and_revoked_keys_are_401_with_a_challenge(capsys):
    """A client with a bad key learns how to authenticate (WWW-Authenticate), as RFC 9110
    asks of a 401."""
    from cis.models import UserAPIKey

    key = _key_for("revoked", "CSR", capsys)
    wrong = _get("/api/v1/tender-types/", key[:-1] + ("x" if key[-1] != "x" else "y"))
    assert wrong.status_code == 401 and "WWW-Authenticate" in wrong.headers
    UserAPIKey.objects.update(revoked=True)
    assert _get("/api/v1/tender-types/", key).status_code == 401
    anonymous = _get("/api/v1/tender-types/")
    assert anonymous.status_code == 401 and "Api-Key" in anonymous["WWW-Authenticate"]


@override_settings(OPENCIS_THROTTLE_RATES={"anon": "3/min", "auth_failure": "100/min"})
def test_anonymous_callers_are_throttled():
    codes = [_get("/api/v1/tender-types/").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


@override_settings(OPENCIS_THROTTLE_RATES={"anon": "100/min", "auth_failure": "3/min"})
def test_repeated_failed_authentication_is_throttled(capsys):
    """Guessing keys (or passwords over basic auth) from one address stops after a few
    tries for the rest of the window, even with a right key then."""
    key = _key_for("victim", "CSR", capsys)
    codes = [_get("/api/v1/tender-types/", "abc.def").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert _get("/api/v1/tender-types/", key).status_code == 429
    assert _get("/api/v1/tender-types/", key, REMOTE_ADDR="10.0.0.9").status_code == 200


@override_settings(OPENCIS_THROTTLE_RATES={"anon": "100/min", "auth_failure": "2/min"})
def test_basic_auth_where_enabled_is_throttled_on_failures():
    """The test settings keep basic auth on (OPENCIS_API_BASIC_AUTH); its wrong passwords
    count like wrong keys."""
    import base64

    user = User.objects.create_user("basic", password="a-password-9")
    user.groups.add(Group.objects.get(name="CSR"))

    def basic(password):
        token = base64.b64encode(f"basic:{password}".encode()).decode()
        return _get("/api/v1/tender-types/", HTTP_AUTHORIZATION=f"Basic {token}").status_code

    assert basic("a-password-9") == 200
    assert [basic("wrong"), basic("wrong"), basic("a-password-9")] == [401, 401, 429]


@pytest.mark.parametrize(
    "credentials",
    [
        "Api-Key ab\x00c.def",
        "Basic " + base64.b64encode(b"us\x00er:pw").decode(),
        "Basic " + base64.b64encode(b"a" * 100_000 + b":x").decode(),
    ],
    ids=["nul-in-key-prefix", "nul-in-username", "username-too-long"],
)
def test_credentials_the_database_cannot_hold_are_a_401(credentials):
    """A NUL byte in a key's prefix or a basic-auth username, or a username longer than
    the user table holds, is a wrong credential (401 with a challenge), not a database
    error answered as a 400 about the ledger."""
    response = _get("/api/v1/tender-types/", HTTP_AUTHORIZATION=credentials)
    assert response.status_code == 401, response.content
    assert "WWW-Authenticate" in response.headers
