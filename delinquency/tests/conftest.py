import datetime as dt
from decimal import Decimal

import pytest

from accounts.tests.conftest import (  # noqa: F401 - shared fixtures
    PASSWORD,
    account,
    admin_user,
    csr,
    make_user,
    supervisor,
)
from accounts.tests.factories import ServiceAgreementFactory, billed_sa

AS_OF = dt.date(2026, 6, 1)  # a Monday


@pytest.fixture
def policy(reference_data):
    """The default policy (LATE adjustment, 1.5% of past due, notice 5 days late, penalty
    20 days late, minimum past due 10.00)."""
    from delinquency.models import DelinquencyPolicy
    from delinquency.reference import reference_data_load

    reference_data_load()
    return DelinquencyPolicy.objects.get(customer_type="", revenue_class=None)


def past_due(amount="100.00", *, days=30, as_of=AS_OF, sa=None, **fields):
    """An SA whose one bill of `amount` was due `days` before `as_of`."""
    due = as_of - dt.timedelta(days=days)
    sa = sa or ServiceAgreementFactory(**{f"account__{k}": v for k, v in fields.items()})
    return billed_sa(Decimal(amount), bill_date=due - dt.timedelta(days=21), due_date=due, sa=sa)
