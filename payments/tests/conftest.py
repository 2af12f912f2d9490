import pytest


@pytest.fixture
def pay_ref(db):
    """Accounts and payments reference data (SA types, tender types, cancel reasons...)."""
    from payments.reference import reference_data_load

    reference_data_load()
