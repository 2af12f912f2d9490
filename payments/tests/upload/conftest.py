from pathlib import Path

import pytest

from accounts.tests.factories import AccountFactory

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"


@pytest.fixture
def our_accounts(pay_ref):
    """The account numbers the samples under tests/data/ pay."""
    return {n: AccountFactory(number=n) for n in ("1000000001", "1000000002", "1000000003")}


def sample(relative: str) -> bytes:
    return (DATA / relative).read_bytes()
