import pytest

from accounts.tests.conftest import admin_user, csr, make_user, supervisor  # noqa: F401


@pytest.fixture
def so_ref(db):
    """Accounts, payments and service order reference data."""
    from payments.reference import reference_data_load as payments_load
    from serviceorders.reference import reference_data_load

    payments_load()
    reference_data_load()
