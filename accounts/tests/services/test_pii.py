"""Revealing an SSN: permission, password again, one audit row per view."""

import pytest

from accounts.services.pii import RevealRefused, pii_reveal
from accounts.tests.conftest import PASSWORD
from cis.models import PiiRevealAudit


def test_right_password_reveals_and_audits(account, supervisor):
    value = pii_reveal(
        user=supervisor,
        customer=account.customer,
        field="ssn",
        password=PASSWORD,
        ip_address="10.0.0.5",
    )
    assert value == "123456789"
    audit = PiiRevealAudit.objects.get()
    assert (audit.user, audit.customer_id, audit.field, audit.ip_address) == (
        supervisor,
        account.customer_id,
        "ssn",
        "10.0.0.5",
    )


def test_wrong_password_reveals_nothing_and_writes_no_audit(account, supervisor):
    with pytest.raises(RevealRefused) as e:
        pii_reveal(user=supervisor, customer=account.customer, field="ssn", password="guess")
    assert not e.value.permission
    assert not PiiRevealAudit.objects.exists()


def test_without_permission_even_the_right_password_is_refused(account, csr):
    with pytest.raises(RevealRefused) as e:
        pii_reveal(user=csr, customer=account.customer, field="drivers_license", password=PASSWORD)
    assert e.value.permission
    assert not PiiRevealAudit.objects.exists()
