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
def so_ref(db):
    """Accounts, payments and service order reference data."""
    from payments.reference import reference_data_load as payments_load
    from serviceorders.reference import reference_data_load

    payments_load()
    reference_data_load()
