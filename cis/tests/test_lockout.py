"""Repeated wrong passwords on the login page lock the account out for a while, with a
clear page and an audit record (issue 7 item 17)."""

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

pytestmark = pytest.mark.django_db


def _sign_in(client, password):
    return client.post("/login/", {"username": "csr1", "password": password})


@override_settings(AXES_FAILURE_LIMIT=3)
def test_login_locks_out_after_repeated_wrong_passwords(client):
    """After the limit, even the right password is refused for the cool-off time, the
    person sees why, and the attempts are on record for an administrator."""
    from axes.models import AccessAttempt, AccessFailureLog

    User.objects.create_user("csr1", password="right-password-9")
    assert _sign_in(client, "guess-1").status_code == 200  # the form again, with an error
    assert _sign_in(client, "guess-2").status_code == 200
    locked = _sign_in(client, "guess-3")
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    again = _sign_in(client, "right-password-9")
    assert again.status_code == 429 and "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get(username="csr1")
    assert attempt.failures_since_start >= 3
    assert AccessFailureLog.objects.filter(username="csr1", locked_out=True).exists()


def test_the_right_password_still_signs_in_below_the_limit(client):
    User.objects.create_user("csr1", password="right-password-9")
    _sign_in(client, "guess-1")
    response = _sign_in(client, "right-password-9")
    assert response.status_code == 302 and "_auth_user_id" in client.session
