"""Aging: charges by due date, credits applied to the oldest first."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from accounts.selectors import aging_compute

D = Decimal
AS_OF = dt.date(2026, 11, 25)


def test_credit_pays_oldest_charge_first():
    """A $50 credit against $40 (95 days late) and $60 (10 days late) leaves only the
    newer charge, $50 of it, in the 0-30 bucket."""
    aging = aging_compute(
        amounts=[
            (AS_OF - dt.timedelta(days=95), D("40.00")),
            (AS_OF - dt.timedelta(days=10), D("60.00")),
            (None, D("-50.00")),
        ],
        as_of=AS_OF,
    )
    assert aging.days_over_90 == D("0.00")
    assert aging.days_0_30 == D("50.00")
    assert aging.past_due == D("50.00")
    assert aging.balance == D("50.00")


def test_charge_due_today_is_not_past_due():
    aging = aging_compute(amounts=[(AS_OF, D("75.00"))], as_of=AS_OF)
    assert aging.current == D("75.00")
    assert aging.past_due == D("0")


def test_buckets_by_days_late():
    dates = {
        1: "days_0_30",
        30: "days_0_30",
        31: "days_31_60",
        60: "days_31_60",
        61: "days_61_90",
        90: "days_61_90",
        91: "days_over_90",
    }
    for days, bucket in dates.items():
        aging = aging_compute(amounts=[(AS_OF - dt.timedelta(days=days), D("10.00"))], as_of=AS_OF)
        assert getattr(aging, bucket) == D("10.00"), days


entries = st.lists(
    st.tuples(
        st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2027, 1, 1))),
        st.decimals(min_value=D("-999"), max_value=D("999"), places=2),
    ),
    max_size=20,
)


@given(entries)
def test_buckets_always_add_up(amounts):
    aging = aging_compute(amounts=amounts, as_of=AS_OF)
    total = sum((a for _, a in amounts), D("0"))
    assert aging.balance == total
    assert aging.current + aging.past_due == max(total, D("0"))
    for bucket in (
        aging.current,
        aging.days_0_30,
        aging.days_31_60,
        aging.days_61_90,
        aging.days_over_90,
    ):
        assert bucket >= 0
