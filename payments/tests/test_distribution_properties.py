"""Property tests of the pure distribution functions (seed 003 steps 1.8, 2.7, 2.9): for
random debts, priorities and amounts every algorithm pays exactly the payment, never pays an
SA past its debt (the overpayment is separate), and keeps its order."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from payments.distribution import (
    Debt,
    DistributionAlgorithm,
    DistributionError,
    SAChoice,
    debts_after,
    distribute,
    overpayment_target,
    prorate,
)

AS_OF = dt.date(2026, 6, 1)
ZERO = Decimal("0.00")
cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)


@st.composite
def debts_st(draw, max_sas: int = 6):
    """Open debts of up to `max_sas` SAs: priority per SA, several due dates each."""
    debts = []
    for sa_id in range(1, draw(st.integers(0, max_sas)) + 1):
        priority = draw(st.sampled_from([10, 20, 20, 30, 40]))
        days = draw(st.lists(st.integers(-200, 60), min_size=1, max_size=4, unique=True))
        for offset in days:
            debts.append(Debt(sa_id, priority, AS_OF + dt.timedelta(days=offset), draw(cents)))
    return debts


def owed_by_sa(debts) -> dict[int, Decimal]:
    owed = defaultdict(Decimal)
    for d in debts:
        owed[d.sa_id] += d.amount
    return owed


def piece_payments(debts, segments) -> list[tuple[Debt, Decimal]]:
    """What each debt got, applying each SA's segment to its oldest debt first."""
    left = dict(segments)
    out = []
    for d in sorted(debts, key=lambda d: (d.sa_id, d.due)):
        take = min(left.get(d.sa_id, ZERO), d.amount)
        left[d.sa_id] = left.get(d.sa_id, ZERO) - take
        out.append((d, take))
    return out


def assert_ordered(debts, segments, key) -> None:
    """No debt later in `key` order got money while an earlier one stayed open."""
    pieces = sorted(piece_payments(debts, segments), key=lambda p: key(p[0]))
    open_seen = False
    for debt, paid in pieces:
        if open_seen:
            assert paid == 0, f"{debt} was paid while an earlier debt stayed open"
        if paid < debt.amount:
            open_seen = True


ALGORITHMS = [
    DistributionAlgorithm.PRIORITY_AGE,
    DistributionAlgorithm.DUE_DATE,
    DistributionAlgorithm.DELINQUENT_PRORATED,
]


@settings(max_examples=300, deadline=None)
@given(debts=debts_st(), amount=cents, algorithm=st.sampled_from(ALGORITHMS))
def test_every_algorithm_pays_exactly_the_amount_and_no_sa_past_its_debt(debts, amount, algorithm):
    """seed 003 step 1.8: segments + overpayment == the payment; no SA beyond its debt."""
    result = distribute(amount=amount, debts=debts, algorithm=algorithm, as_of=AS_OF)
    assert result.total == amount
    owed = owed_by_sa(debts)
    for sa, paid in result.segments.items():
        assert 0 < paid <= owed[sa]
        assert paid == paid.quantize(Decimal("0.01"))
    assert result.overpayment == max(ZERO, amount - sum(owed.values(), ZERO))


@settings(max_examples=300, deadline=None)
@given(debts=debts_st(), amount=cents)
def test_priority_then_age(debts, amount):
    """PYDISTPPRTY: SA priority first, then the age of the debt, one SA paid off before
    the next when both tie."""
    result = distribute(
        amount=amount, debts=debts, algorithm=DistributionAlgorithm.PRIORITY_AGE, as_of=AS_OF
    )
    assert_ordered(debts, result.segments, key=lambda d: (d.priority, d.due, d.sa_id))


@settings(max_examples=200, deadline=None)
@given(debts=debts_st(), amount=cents)
def test_by_due_date(debts, amount):
    """The oldest bill first, across SAs."""
    result = distribute(
        amount=amount, debts=debts, algorithm=DistributionAlgorithm.DUE_DATE, as_of=AS_OF
    )
    assert_ordered(debts, result.segments, key=lambda d: (d.due, d.priority, d.sa_id))


@settings(max_examples=200, deadline=None)
@given(debts=debts_st(), amount=cents)
def test_delinquent_first_prorated(debts, amount):
    """Past-due debt before current debt, each prorated by what the SAs owe (to a cent)."""
    result = distribute(
        amount=amount,
        debts=debts,
        algorithm=DistributionAlgorithm.DELINQUENT_PRORATED,
        as_of=AS_OF,
    )
    past = owed_by_sa([d for d in debts if d.due < AS_OF])
    current = owed_by_sa([d for d in debts if d.due >= AS_OF])
    past_total = sum(past.values(), ZERO)
    if amount <= past_total:
        # nothing of the current debt is touched; shares within a cent of proportional
        for sa, paid in result.segments.items():
            assert sa in past
            assert abs(paid - amount * past[sa] / past_total) < Decimal("0.01")
            assert paid <= past[sa]
    else:
        for sa, owed in past.items():
            assert result.segments.get(sa, ZERO) >= owed
        assert sum(result.segments.values(), ZERO) <= past_total + sum(current.values(), ZERO)


@given(debts=debts_st(), amount=cents, target=st.integers(1, 9))
def test_match_value_puts_everything_on_one_sa(debts, amount, target):
    """DSOV SA-ID: the whole payment to the SA in the match value, debt or not."""
    result = distribute(
        amount=amount,
        debts=debts,
        algorithm=DistributionAlgorithm.MATCH_SA,
        as_of=AS_OF,
        match_sa_id=target,
    )
    assert result.segments == {target: amount}
    assert result.overpayment == 0


def test_match_needs_an_sa():
    with pytest.raises(DistributionError, match="match value"):
        distribute(
            amount=Decimal("1.00"), debts=[], algorithm=DistributionAlgorithm.MATCH_SA, as_of=AS_OF
        )


@settings(max_examples=200, deadline=None)
@given(debts=debts_st(), amount=cents, algorithm=st.sampled_from(ALGORITHMS))
def test_debts_after_is_what_the_ledger_would_leave(debts, amount, algorithm):
    """Applying a distribution in memory leaves each SA's debt less what it was paid,
    newest debt last to go (the bulk path relies on it for a second payment)."""
    result = distribute(amount=amount, debts=debts, algorithm=algorithm, as_of=AS_OF)
    after = debts_after(debts, result.segments)
    before, later = owed_by_sa(debts), owed_by_sa(after)
    for sa, owed in before.items():
        assert later.get(sa, ZERO) == owed - min(owed, result.segments.get(sa, ZERO))
    for sa in {d.sa_id for d in after}:
        kept = sorted(d.due for d in after if d.sa_id == sa)
        gone = [d.due for d in debts if d.sa_id == sa and d.due < kept[0]]
        assert all(due not in kept for due in gone)


@given(
    weights=st.dictionaries(st.integers(1, 20), cents, min_size=1, max_size=8),
    amount=cents,
)
def test_prorate_hands_out_min_of_amount_and_weight_never_past_a_weight(weights, amount):
    shares = prorate(amount, weights, order=sorted(weights))
    assert sum(shares.values(), ZERO) == min(amount, sum(weights.values(), ZERO))
    assert all(ZERO <= shares[k] <= weights[k] for k in shares)


@given(
    sas=st.lists(
        st.builds(
            SAChoice,
            sa_id=st.integers(1, 50),
            priority=st.integers(1, 99),
            is_overpayment_eligible=st.booleans(),
            is_excess_credit=st.booleans(),
            is_open=st.booleans(),
        ),
        max_size=8,
        unique_by=lambda s: s.sa_id,
    )
)
def test_overpayment_goes_to_highest_priority_eligible_else_excess(sas):
    """seed 003 steps 2.7 and 2.9 (OVRPY-PPRTY, then OVRPY-CREDSA)."""
    target = overpayment_target(sas, method="priority_eligible")
    eligible = [
        s for s in sas if s.is_open and s.is_overpayment_eligible and not s.is_excess_credit
    ]
    excess = [s for s in sas if s.is_open and s.is_excess_credit]
    if eligible:
        best = min(eligible, key=lambda s: (s.priority, s.sa_id))
        assert target == best.sa_id
    elif excess:
        assert target == min(s.sa_id for s in excess)
    else:
        assert target is None
    only_excess = overpayment_target(sas, method="excess_credit")
    assume(excess or only_excess is None)
    assert only_excess == (min(s.sa_id for s in excess) if excess else None)
