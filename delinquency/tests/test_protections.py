"""Medical certificates (renewals capped per rolling year) and bill disputes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from delinquency.models import MedicalCertificate
from delinquency.services.protections import (
    bill_dispute_open,
    bill_dispute_resolve,
    medical_certificate_create,
    medical_certificate_renew,
)

from .shutoff_builders import candidate, ref_load

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _ref(db):
    ref_load()


def test_renewals_are_capped_per_rolling_year(settings):
    settings.OPENCIS_MEDICAL_RENEWALS_PER_YEAR = 2
    account = candidate()
    first = medical_certificate_create(
        account=account, certified_on=D(2026, 1, 1), expires_on=D(2026, 1, 31), certifier="Dr. A"
    )
    second = medical_certificate_renew(
        certificate=first, certified_on=D(2026, 2, 1), expires_on=D(2026, 2, 28)
    )
    third = medical_certificate_renew(
        certificate=second, certified_on=D(2026, 3, 1), expires_on=D(2026, 3, 31)
    )
    assert third.renews == second and third.certifier == "Dr. A"
    with pytest.raises(ValidationError, match="the limit is 2"):
        medical_certificate_renew(
            certificate=third, certified_on=D(2026, 4, 1), expires_on=D(2026, 4, 30)
        )
    assert MedicalCertificate.objects.filter(account=account).count() == 3
    # A year after the first renewal, one renewal is free again.
    fourth = medical_certificate_renew(
        certificate=third, certified_on=D(2027, 2, 1), expires_on=D(2027, 2, 28)
    )
    assert fourth.renews == third


def test_the_cap_is_configurable(settings):
    settings.OPENCIS_MEDICAL_RENEWALS_PER_YEAR = 0
    account = candidate()
    first = medical_certificate_create(
        account=account, certified_on=D(2026, 1, 1), expires_on=D(2026, 1, 31), certifier="Dr. A"
    )
    with pytest.raises(ValidationError):
        medical_certificate_renew(
            certificate=first, certified_on=D(2026, 2, 1), expires_on=D(2026, 2, 28)
        )


def test_certificate_dates_and_certifier_are_required():
    account = candidate()
    with pytest.raises(ValidationError):
        medical_certificate_create(
            account=account, certified_on=D(2026, 2, 1), expires_on=D(2026, 1, 1), certifier="X"
        )
    with pytest.raises(ValidationError):
        medical_certificate_create(
            account=account, certified_on=D(2026, 1, 1), expires_on=D(2026, 2, 1), certifier=" "
        )


def test_dispute_open_and_resolve():
    account = candidate()
    dispute = bill_dispute_open(
        account=account, bill=account.test_bill, reason="meter misread", opened_on=D(2026, 5, 1)
    )
    with pytest.raises(ValidationError, match="already disputed"):
        bill_dispute_open(account=account, bill=account.test_bill, reason="again")
    other = candidate()
    with pytest.raises(ValidationError, match="not this account"):
        bill_dispute_open(account=other, bill=account.test_bill, reason="x")
    with pytest.raises(ValidationError):
        bill_dispute_resolve(dispute=dispute, resolved_on=D(2026, 4, 1))
    resolved = bill_dispute_resolve(dispute=dispute, resolved_on=D(2026, 5, 10))
    assert resolved.resolved_on == D(2026, 5, 10)
    with pytest.raises(ValidationError, match="resolved already"):
        bill_dispute_resolve(dispute=dispute)
    # Resolved: the bill may be disputed again.
    assert bill_dispute_open(account=account, bill=account.test_bill, reason="again").pk
