"""Fixtures shared by every test package."""

import pytest


@pytest.fixture
def reference_data(db):
    from accounts.reference import reference_data_load

    reference_data_load()
