"""Production settings (issue 7 item 24): `manage.py check --deploy` is clean in a
production-like configuration, and the transport-security settings come from the
environment."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "cis.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "q8Vt3pZr-7mKx!2bNw9cLf5HsYd0jGe4uAo6iTl1RvQzPk-Wn3Xc8Jb5Ty2Mh",
    "DJANGO_ALLOWED_HOSTS": "cis.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://cis.example.org",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    # the test suite's own settings must not leak into the "production" process
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "OPENCIS_", "CELERY_TASK_", "EMAIL_"))
    }
    base["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_a_production_like_configuration():
    """An operator who sets the documented variables gets no deployment warning."""
    result = _run(["check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


def test_transport_security_settings_come_from_the_environment():
    """HSTS, the HTTPS redirect and the proxy's scheme header are the operator's choice:
    TLS may end at a proxy, and HSTS preload is a decision about the whole domain."""
    code = (
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    result = _run(["shell", "-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "31536000 True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )
    plain = _run(
        ["shell", "-c", code],
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="",
    )
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split("\n")[-2].startswith("0 ") and plain.stdout.split("\n")[-2].endswith(
        "False None"
    )


def test_production_api_takes_api_keys_and_sessions_not_basic_auth():
    """Basic auth hashes a password on every request (and sends it with each): it is off
    in production unless OPENCIS_API_BASIC_AUTH asks for it; API keys answer the 401."""
    code = (
        "from django.conf import settings as s; "
        "print(','.join(s.REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']))"
    )
    classes = _run(["shell", "-c", code]).stdout.split("\n")[-2].split(",")
    assert classes[0] == "cis.authentication.ApiKeyAuthentication"
    # sessions, less the /my/ portal's web logins (issue 11 item 6)
    assert "cis.authentication.StaffSessionAuthentication" in classes
    assert not [c for c in classes if "Basic" in c]
    with_basic = _run(["shell", "-c", code], OPENCIS_API_BASIC_AUTH="true")
    assert "cis.authentication.ThrottledBasicAuthentication" in with_basic.stdout
