"""Settings for the test suite: real PostgreSQL and Redis, from the environment."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "opencis-test-secret-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opencis")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
# Unit tests run tasks in-process; the Celery integration tests start a real worker.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("OPENCIS_ALLOW_DERIVED_KEYS", "true")
# The test client speaks plain HTTP; the HTTPS redirect has its own test.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
# Tests (and fuzzers) may authenticate with basic auth; limits are tested with their own.
os.environ.setdefault("OPENCIS_API_BASIC_AUTH", "true")
os.environ.setdefault("OPENCIS_THROTTLE_ANON", "100000/min")
os.environ.setdefault("OPENCIS_THROTTLE_AUTH_FAILURES", "100000/min")
# Processor webhooks sign with the sandbox secrets (`sandbox-<processor>-secret`).
os.environ.setdefault("OPENCIS_WEBHOOK_SANDBOX_SECRETS", "true")
# Tests roll back rows no signal reports: no code-table cache (its own tests turn it on).
os.environ.setdefault("OPENCIS_CODE_TABLE_CACHE_SECONDS", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from cis.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
