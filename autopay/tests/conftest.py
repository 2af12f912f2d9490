import pytest

from accounts.tests.conftest import (  # noqa: F401 - shared fixtures
    PASSWORD,
    account,
    admin_user,
    csr,
    make_user,
    private_account,
    supervisor,
)


@pytest.fixture
def autopay_reference(reference_data):
    """Payments and autopay reference data: tender types and sources, cancel reasons, the
    ACH return-code table and the default originator."""
    from autopay.reference import reference_data_load

    reference_data_load()
