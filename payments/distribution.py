"""Payment distribution as pure functions: open debts in, pay segment amounts out.

No database here, so the online path and the bulk path compute the same segments for the
same debts, and property tests can throw thousands of cases at it (seed 003 step 1.8).

A `Debt` is the open part of one SA's charges due on one date, after credits were applied
to the oldest charges first (the aging rule of DESIGN §2). Within one SA a payment always
relieves the oldest debt first, whatever the algorithm, which is what keeps the debts
derived from the ledger after a freeze equal to `debts_after` applied in memory.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import models

from cis.money import CENT, ZERO


class DistributionAlgorithm(models.TextChoices):
    # seed 003 step 1.8, PYDISTPPRTY: SA type payment priority, then age of the arrears;
    # equal priority and age: one SA is paid off before the next (lower SA id first).
    PRIORITY_AGE = "priority_age", "SA priority, then debt age"
    # The oldest bill first, across SAs; SA priority orders debts due the same day.
    DUE_DATE = "due_date", "By bill due date"
    # Past-due debt first, prorated across SAs by what each owes past due; then current
    # debt prorated likewise.
    DELINQUENT_PRORATED = "delinquent_prorated", "Delinquent first, prorated"
    # seed 003 step 1.8, DSOV SA-ID: the whole payment to the SA named in the match value.
    MATCH_SA = "match_sa", "The SA in the match value"


class DistributionError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Debt:
    sa_id: int
    priority: int
    due: date
    amount: Decimal
    # Booked after the payment's date: a back-dated payment posted after a later bill.
    # Issue 7 item 2: such debt is still debt (never overpayment while it is open), paid
    # once the debt of the payment's own date is paid, so the bill the customer paid for
    # comes first (debt ages as of the payment date).
    booked_later: bool = False


@dataclass(frozen=True)
class Distribution:
    """What a payment pays: per-SA amounts for debt, plus what no debt absorbed."""

    segments: dict[int, Decimal]
    overpayment: Decimal = ZERO
    # Per SA, the due date of the oldest debt the payment relieved: a cancellation FT
    # carries it as its arrears date, so a returned payment reopens debt as old as it was.
    oldest_due: dict[int, date] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.segments.values(), ZERO) + self.overpayment


def distribute(
    *,
    amount: Decimal,
    debts: Sequence[Debt],
    algorithm: str,
    as_of: date,
    match_sa_id: int | None = None,
) -> Distribution:
    """Split `amount` over `debts`; what exceeds them is returned as `overpayment`."""
    if amount <= 0:
        raise DistributionError("a payment amount must be positive")
    if algorithm == DistributionAlgorithm.MATCH_SA:
        if match_sa_id is None:
            raise DistributionError("the match-SA distribution needs an SA id in the match value")
        oldest = [d.due for d in debts if d.sa_id == match_sa_id]
        return Distribution(
            segments={match_sa_id: amount},
            oldest_due={match_sa_id: min(oldest)} if oldest else {},
        )
    if algorithm == DistributionAlgorithm.PRIORITY_AGE:
        ordered = sorted(debts, key=lambda d: (d.booked_later, d.priority, d.due, d.sa_id))
        paid, left = _fill(amount, ordered)
    elif algorithm == DistributionAlgorithm.DUE_DATE:
        ordered = sorted(debts, key=lambda d: (d.booked_later, d.due, d.priority, d.sa_id))
        paid, left = _fill(amount, ordered)
    elif algorithm == DistributionAlgorithm.DELINQUENT_PRORATED:
        paid, left = _delinquent_prorated(amount, debts, as_of)
    else:
        raise DistributionError(f"unknown distribution algorithm {algorithm!r}")
    return Distribution(
        segments={sa: a for sa, a in paid.items() if a > 0},
        overpayment=left,
        oldest_due=_oldest_due(debts, paid),
    )


def _fill(amount: Decimal, ordered: Iterable[Debt]) -> tuple[dict[int, Decimal], Decimal]:
    """Pay debts in the given order, each in full while money lasts."""
    paid: dict[int, Decimal] = defaultdict(Decimal)
    left = amount
    for debt in ordered:
        if left <= 0:
            break
        take = min(debt.amount, left)
        paid[debt.sa_id] += take
        left -= take
    return dict(paid), left


def _delinquent_prorated(
    amount: Decimal, debts: Sequence[Debt], as_of: date
) -> tuple[dict[int, Decimal], Decimal]:
    paid: dict[int, Decimal] = defaultdict(Decimal)
    left = amount
    for group in (
        # past due (the day after the due date), current, then debt booked after as_of
        [d for d in debts if not d.booked_later and d.due < as_of],
        [d for d in debts if not d.booked_later and d.due >= as_of],
        [d for d in debts if d.booked_later],
    ):
        owed: dict[int, Decimal] = defaultdict(Decimal)
        priority: dict[int, int] = {}
        for d in group:
            owed[d.sa_id] += d.amount
            priority[d.sa_id] = d.priority
        shares = prorate(left, owed, order=sorted(owed, key=lambda sa: (priority[sa], sa)))
        for sa, share in shares.items():
            paid[sa] += share
            left -= share
    return dict(paid), left


def prorate(amount: Decimal, weights: dict[int, Decimal], *, order: Sequence[int]) -> dict:
    """Split `amount` over keys in proportion to `weights`, never past a weight.

    At most the total weight is handed out; cents left by rounding down go one each to the
    largest remainders, ties in `order`.
    """
    total = sum(weights.values(), ZERO)
    if total <= 0 or amount <= 0:
        return {}
    if amount >= total:
        return dict(weights)
    shares, remainders = {}, []
    for rank, key in enumerate(order):
        exact = amount * weights[key] / total
        shares[key] = exact.quantize(CENT, rounding=ROUND_DOWN)
        remainders.append((-(exact - shares[key]), rank, key))
    spare = int((amount - sum(shares.values(), ZERO)) / CENT)
    for _, _, key in sorted(remainders)[:spare]:
        shares[key] += CENT
    return shares


def _oldest_due(debts: Iterable[Debt], paid: dict[int, Decimal]) -> dict[int, date]:
    oldest: dict[int, date] = {}
    for d in debts:
        if paid.get(d.sa_id, ZERO) > 0 and (d.sa_id not in oldest or d.due < oldest[d.sa_id]):
            oldest[d.sa_id] = d.due
    return oldest


def debts_after(debts: Sequence[Debt], segments: dict[int, Decimal]) -> list[Debt]:
    """The open debts once `segments` are credited, each SA's oldest debt first.

    Exactly what the ledger would yield after the freeze (credits relieve the oldest
    charges), so a bulk chunk can distribute a second payment to the same account without
    re-reading the ledger.
    """
    credit = dict(segments)
    result = []
    for d in sorted(debts, key=lambda d: (d.sa_id, d.due)):
        take = min(credit.get(d.sa_id, ZERO), d.amount)
        if take:
            credit[d.sa_id] -= take
        if d.amount - take > 0:
            result.append(Debt(d.sa_id, d.priority, d.due, d.amount - take, d.booked_later))
    return result


@dataclass(frozen=True, slots=True)
class SAChoice:
    """What the overpayment rule needs to know about one SA of the account."""

    sa_id: int
    priority: int
    is_overpayment_eligible: bool
    is_excess_credit: bool
    is_open: bool  # active (eligible SAs) or not closed (excess-credit SAs)


def overpayment_target(sas: Iterable[SAChoice], *, method: str) -> int | None:
    """seed 003 steps 2.7 / 2.9: where the part of a payment beyond the debt goes.

    OVRPY-PPRTY: the highest-priority overpayment-eligible SA; failing that (and always
    for OVRPY-CREDSA) an open excess-credit SA. None: the caller creates one.
    """
    sas = [s for s in sas if s.is_open]
    if method == "priority_eligible":
        eligible = [s for s in sas if s.is_overpayment_eligible and not s.is_excess_credit]
        if eligible:
            return min(eligible, key=lambda s: (s.priority, s.sa_id)).sa_id
    excess = [s for s in sas if s.is_excess_credit]
    return min(s.sa_id for s in excess) if excess else None
