"""Personal data is encrypted at rest, masked for display and survives key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from accounts.models import Customer
from accounts.tests.factories import CustomerFactory
from cis import crypto


def raw_ssn(customer_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ssn FROM accounts_customer WHERE id = %s", [customer_id])
        return cursor.fetchone()[0]


def test_ssn_is_ciphertext_in_the_database_and_masked_on_screen(db):
    customer = CustomerFactory(ssn="123456789")
    stored = raw_ssn(customer.pk)
    assert "123456789" not in stored and "6789" not in stored
    loaded = Customer.objects.get(pk=customer.pk)
    assert loaded.ssn == "123456789"
    assert loaded.ssn_masked.endswith("6789") and "12345" not in loaded.ssn_masked


def test_rotated_keys_still_read_old_values(db, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    customer = CustomerFactory(ssn="987654321")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    assert Customer.objects.get(pk=customer.pk).ssn == "987654321"
    rotated = crypto.rotate(raw_ssn(customer.pk))
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    assert crypto.decrypt(rotated) == "987654321"
    with pytest.raises(ValueError, match="no configured key"):
        Customer.objects.get(pk=customer.pk).ssn  # noqa: B018 (old key removed)


def test_rotate_field_keys_command_moves_data_to_the_newest_key(db, settings):
    from django.core.management import call_command

    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    customer = CustomerFactory(ssn="111223333", drivers_license="X7")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # old key retired
    loaded = Customer.objects.get(pk=customer.pk)
    assert (loaded.ssn, loaded.drivers_license) == ("111223333", "X7")
