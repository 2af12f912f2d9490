"""The platform's system checks: a field-encryption key retired too early is reported at
start-up (`manage.py check`, `migrate`, `runserver`), naming each model field whose stored
values the configured keys cannot decrypt, instead of surfacing later as a 500."""

import pytest
from cryptography.fernet import Fernet
from django.core import checks

from accounts.tests.factories import CustomerFactory
from cis.checks import encrypted_fields_check

pytestmark = pytest.mark.django_db


def test_the_encryption_check_names_fields_the_keys_cannot_decrypt(settings):
    CustomerFactory(ssn="123456789", drivers_license="D7654321")
    CustomerFactory(ssn="", drivers_license="")
    assert encrypted_fields_check(app_configs=None) == []
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    errors = [e for e in checks.run_checks() if e.id == "cis.E001"]
    assert {e.obj for e in errors} == {"accounts.Customer.ssn", "accounts.Customer.drivers_license"}
    assert all(e.level == checks.ERROR for e in errors)
    assert "FIELD_ENCRYPTION_KEYS" in errors[0].msg and "rotate_field_keys" in errors[0].hint
    # with the old key back (after the new one) everything decrypts again
    settings.FIELD_ENCRYPTION_KEYS = [*settings.FIELD_ENCRYPTION_KEYS, *old_keys]
    assert encrypted_fields_check(app_configs=None) == []
