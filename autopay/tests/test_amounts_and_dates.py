"""Autopay amount (seed 001 1.8-1.9, seed 004 options) and dates (2.2) on banking days."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autopay.services.amounts import autopay_amount
from autopay.services.dates import add_banking_days, autopay_dates, is_banking_day

money = st.decimals(min_value=D("-500"), max_value=D("5000"), places=2)
options = st.sampled_from(["balance", "maximum", "fixed", "required"])


@pytest.mark.parametrize(
    "option, amount, balance, statement, budget, limit, expected, reduced",
    [
        ("balance", None, D("120.50"), D("80"), None, None, D("120.50"), None),
        ("balance", None, D("-5.00"), D("80"), None, None, D("0"), None),
        ("maximum", D("100"), D("120.50"), None, None, None, D("100"), None),
        ("maximum", D("100"), D("60.00"), None, None, None, D("60.00"), None),
        ("fixed", D("75"), D("20.00"), None, None, None, D("75"), None),  # excess credits
        ("fixed", D("75"), D("-20.00"), None, None, None, D("75"), None),
        ("required", None, D("300"), D("95.10"), None, None, D("95.10"), None),
        ("required", None, D("300"), D("95.10"), D("110"), None, D("110"), None),
        ("required", None, D("300"), None, None, None, D("0"), None),  # no statement: nothing
        ("balance", None, D("9000"), None, None, D("5000"), D("5000"), D("9000")),
    ],
)
def test_amount_options(option, amount, balance, statement, budget, limit, expected, reduced):
    result = autopay_amount(
        option=option,
        amount=amount,
        balance=balance,
        statement_balance=statement,
        budget_amount=budget,
        limit=limit,
    )
    assert (result.amount, result.reduced_from) == (expected, reduced)


@given(option=options, amount=money, balance=money, statement=money, limit=money)
def test_amount_is_never_negative_and_never_over_the_limit(
    option, amount, balance, statement, limit
):
    amount = abs(amount) or D("1")
    limit = abs(limit) or D("1")
    result = autopay_amount(
        option=option, amount=amount, balance=balance, statement_balance=statement, limit=limit
    )
    assert D(0) <= result.amount <= limit
    if option in ("balance", "maximum"):
        assert result.amount <= max(balance, D(0))
    if result.reduced_from is not None:
        assert result.amount == limit < result.reduced_from


def test_fed_holidays_and_weekends_are_not_banking_days():
    assert not is_banking_day(dt.date(2026, 11, 26))  # Thanksgiving
    assert not is_banking_day(dt.date(2026, 11, 11))  # Veterans Day: the Fed is closed
    assert not is_banking_day(dt.date(2026, 11, 28))  # Saturday
    assert is_banking_day(dt.date(2026, 11, 27))  # the Friday after: open
    assert add_banking_days(dt.date(2026, 11, 25), 1) == dt.date(2026, 11, 27)
    assert add_banking_days(dt.date(2026, 11, 30), -2) == dt.date(2026, 11, 25)


def test_a_bill_due_on_a_holiday_settles_the_banking_day_before():
    dates = autopay_dates(due_on=dt.date(2026, 12, 25), today=dt.date(2026, 12, 1))
    assert dates.gl_distribution_on == dt.date(2026, 12, 24)
    assert dates.extract_on == dt.date(2026, 12, 22) == dates.payment_on


def test_notify_in_advance_leaves_ten_days_before_the_debit():
    dates = autopay_dates(
        due_on=dt.date(2026, 12, 4), today=dt.date(2026, 12, 1), notify_in_advance=True
    )
    assert dates.notice_on == dt.date(2026, 12, 1)
    assert dates.gl_distribution_on == dt.date(2026, 12, 11)


@given(
    due=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 12, 31)),
    ahead=st.integers(min_value=-5, max_value=40),
    notify=st.booleans(),
)
def test_dates_are_banking_days_in_order(due, ahead, notify):
    today = due - dt.timedelta(days=ahead)
    d = autopay_dates(due_on=due, today=today, notify_in_advance=notify)
    assert is_banking_day(d.extract_on) and is_banking_day(d.gl_distribution_on)
    assert today <= d.extract_on < d.gl_distribution_on
    assert d.gl_distribution_on <= max(due, add_banking_days(today, 3) + dt.timedelta(days=12))
    if notify:
        assert (d.gl_distribution_on - today).days >= 10
