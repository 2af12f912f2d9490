"""The set-based past-due query the nightly jobs select with agrees with the account's
aging (accounts.selectors.account_aging) account by account."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.selectors import account_aging
from accounts.services.adjustments import adjustment_cancel, adjustment_create
from accounts.services.bills import bill_complete, bill_create
from accounts.tests.factories import AccountFactory, AdjustmentTypeFactory, ServiceAgreementFactory
from delinquency.selectors import past_due_accounts

AS_OF = dt.date(2026, 6, 1)
D = Decimal

amounts = st.decimals(min_value=D("1.00"), max_value=D("500.00"), places=2)


def _bill(sa, amount, due):
    bill = bill_create(
        account=sa.account,
        bill_date=due - dt.timedelta(days=21),
        due_date=due,
        segments={sa: amount},
    )
    bill_complete(bill=bill)
    return bill


@pytest.mark.django_db
def test_oldest_open_bill_is_the_first_the_credits_do_not_cover():
    sa = ServiceAgreementFactory()
    first = _bill(sa, D("40.00"), AS_OF - dt.timedelta(days=70))
    second = _bill(sa, D("60.00"), AS_OF - dt.timedelta(days=40))
    _bill(sa, D("80.00"), AS_OF + dt.timedelta(days=5))  # not yet due
    credit = AdjustmentTypeFactory()
    adjustment_create(sa=sa, adjustment_type=credit, amount=D("-50.00"))

    [row] = past_due_accounts(as_of=AS_OF)

    assert first.pk != row.oldest_bill_id
    assert (row.account_id, row.past_due, row.oldest_bill_id) == (
        sa.account_id,
        D("50.00"),
        second.pk,
    )
    assert row.days_past_due(AS_OF) == 40
    assert past_due_accounts(as_of=AS_OF, minimum=D("50.01")) == []


@pytest.mark.django_db
def test_a_cancelled_credit_leaves_the_debt_past_due():
    sa = ServiceAgreementFactory()
    _bill(sa, D("100.00"), AS_OF - dt.timedelta(days=10))
    credit = adjustment_create(sa=sa, adjustment_type=AdjustmentTypeFactory(), amount=D("-100.00"))
    assert past_due_accounts(as_of=AS_OF) == []

    adjustment_cancel(adjustment=credit, reason="posted in error")

    assert [r.past_due for r in past_due_accounts(as_of=AS_OF)] == [D("100.00")]


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bills=st.lists(st.tuples(amounts, st.integers(-90, 30)), min_size=1, max_size=4),
    credits=st.lists(amounts, max_size=3),
)
def test_matches_account_aging(bills, credits):
    account = AccountFactory()
    sa = ServiceAgreementFactory(account=account)
    for amount, days in bills:
        _bill(sa, amount, AS_OF + dt.timedelta(days=days))
    credit_type = AdjustmentTypeFactory()
    for amount in credits:
        adjustment_create(sa=sa, adjustment_type=credit_type, amount=-amount)

    rows = {r.account_id: r for r in past_due_accounts(as_of=AS_OF, account_ids=[account.pk])}

    expected = account_aging(account=account, as_of=AS_OF).past_due
    assert (rows[account.pk].past_due if account.pk in rows else D("0")) == max(expected, D("0"))
