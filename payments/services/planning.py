"""The distribution engine shared by the online and the bulk path (seed 003 steps 1.8, 2.0,
2.7, 2.9, 3.1): plan pay segments for many payments with a constant number of queries, and
turn segments into ledger postings.

Both paths call `segments_plan` and `segment_postings`, so a payment distributed online and
the same payment in a bulk chunk get the same segments, FTs and balances (a test proves it).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Subquery

from accounts.models import FinancialTransaction, SAType, ServiceAgreement
from accounts.services.ledger import Posting
from cis.bulk import bulk_insert
from cis.codetables import code_table_cached
from cis.money import ZERO, money_format, quantize

from ..distribution import (
    Debt,
    DistributionAlgorithm,
    DistributionError,
    SAChoice,
    debts_after,
    distribute,
    overpayment_target,
)
from ..models import DistributionRule, OverpaymentRule
from ..selectors import SAInfo, account_sa_infos, debts_for, sa_charges_between


@dataclass(frozen=True, slots=True)
class PlanIn:
    """One payment to distribute. `sa_amounts` given: manual distribution (seed 003 2.0)."""

    account_id: int
    amount: Decimal
    algorithm: str
    match_sa_id: int | None = None
    sa_amounts: Mapping[int, Decimal] | None = None


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    sa_id: int
    amount: Decimal
    is_overpayment: bool = False
    debt_due_date: date | None = None


@dataclass(frozen=True, slots=True)
class PlanOut:
    segments: tuple[SegmentPlan, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class Rules:
    """The configured default rules (one query, read once per chunk)."""

    algorithm: str
    overpayment_method: str
    excess_sa_type: SAType | None

    @classmethod
    def cached(cls) -> "Rules":
        """`load`, from the per-process cache of code tables (the online path)."""
        return code_table_cached(
            ("distribution rules",), [DistributionRule, OverpaymentRule, SAType], cls.load
        )

    @classmethod
    def load(cls) -> "Rules":
        rules = DistributionRule.objects.filter(is_default=True, is_active=True).order_by("pk")
        # the default distribution rule's algorithm rides along with the overpayment rule:
        # one query when an overpayment rule is configured (as always in practice)
        over = (
            OverpaymentRule.objects.filter(is_default=True, is_active=True)
            .select_related("excess_sa_type")
            .annotate(default_algorithm=Subquery(rules.values("algorithm")[:1]))
            .first()
        )
        if over is not None:
            algorithm = over.default_algorithm
        else:
            algorithm = rules.values_list("algorithm", flat=True).first()
        excess = (
            over.excess_sa_type
            if over
            else SAType.objects.filter(is_excess_credit=True, is_active=True).first()
        )
        return cls(
            algorithm=algorithm or DistributionAlgorithm.PRIORITY_AGE,
            overpayment_method=over.method
            if over
            else OverpaymentRule.Method.PRIORITY_ELIGIBLE.value,
            excess_sa_type=excess,
        )


class _Planner:
    """Plans the payments of a chunk, day by day, in order: a later payment to the same
    account sees the debt the earlier ones left, as if they had been posted already. On its
    own day through `debts_after`; on a later day from the charges read once for the whole
    chunk (`OpenCharges`), at the balance the earlier payments left, which is what reading
    the ledger again after posting them would give."""

    def __init__(self, *, account_ids, first: date, last: date, rules: Rules):
        self.rules = rules
        self.infos: dict[int, list[SAInfo]] = account_sa_infos(account_ids=account_ids)
        sa_ids = [i.sa_id for infos in self.infos.values() for i in infos]
        # the balances as the SAs were read, under the caller's account locks
        balances = {i.sa_id: i.balance for infos in self.infos.values() for i in infos}
        self.charges = sa_charges_between(sa_ids=sa_ids, first=first, last=last, balances=balances)
        self.debts: dict[int, list[Debt]] = {}
        self.debts_day: dict[int, date] = {}
        self.as_of = first
        # Excess-credit SAs to create, keyed by placeholder id (minus the account id): the
        # account and the day the first payment needed it.
        self.new_excess: dict[int, tuple[int, date]] = {}

    def _debts(self, account_id: int) -> list[Debt]:
        if self.debts_day.get(account_id) != self.as_of:
            infos = self.infos.get(account_id, [])
            charges = {i.sa_id: self.charges.on(i.sa_id, self.as_of) for i in infos}
            self.debts[account_id] = debts_for(infos, charges, self.as_of)
            self.debts_day[account_id] = self.as_of
        return self.debts[account_id]

    def plan(self, item: PlanIn, day: date | None = None) -> PlanOut:
        if day is not None:
            self.as_of = day
        try:
            manual = item.sa_amounts is not None
            segments = self._manual(item) if manual else self._automatic(item)
        except DistributionError as exc:
            return PlanOut(error=str(exc))
        paid = {s.sa_id: s.amount for s in segments}
        self.debts[item.account_id] = debts_after(self._debts(item.account_id), paid)
        balances = self.charges.balances
        for sa_id, amount in paid.items():
            if sa_id in balances:
                balances[sa_id] -= amount
        return PlanOut(segments=tuple(segments))

    def _sa_ids(self, account_id: int) -> set[int]:
        return {i.sa_id for i in self.infos.get(account_id, [])}

    def _oldest(self, account_id: int, sa_id: int) -> date | None:
        dues = [d.due for d in self._debts(account_id) if d.sa_id == sa_id]
        return min(dues) if dues else None

    def _manual(self, item: PlanIn) -> list[SegmentPlan]:
        own = self._sa_ids(item.account_id)
        foreign = [sa for sa in item.sa_amounts if sa not in own]
        if foreign:
            raise DistributionError(f"SA {foreign[0]} does not belong to the payment's account")
        if any(a <= 0 for a in item.sa_amounts.values()):
            raise DistributionError("manual distribution amounts must be positive")
        total = sum(item.sa_amounts.values(), ZERO)
        if total != item.amount:
            raise DistributionError(
                f"the manual distribution totals {money_format(total)} but the payment is "
                f"{money_format(item.amount)}"
            )
        return [
            SegmentPlan(sa, quantize(a), False, self._oldest(item.account_id, sa))
            for sa, a in sorted(item.sa_amounts.items())
        ]

    def _automatic(self, item: PlanIn) -> list[SegmentPlan]:
        if item.algorithm == DistributionAlgorithm.MATCH_SA and (
            item.match_sa_id not in self._sa_ids(item.account_id)
        ):
            named = "names no SA" if item.match_sa_id is None else f"{item.match_sa_id}"
            raise DistributionError(f"match value {named} is not an SA of the payment's account")
        result = distribute(
            amount=item.amount,
            debts=self._debts(item.account_id),
            algorithm=item.algorithm,
            as_of=self.as_of,
            match_sa_id=item.match_sa_id,
        )
        segments = {
            sa: SegmentPlan(sa, a, False, result.oldest_due.get(sa))
            for sa, a in result.segments.items()
        }
        if result.overpayment > 0:
            target = self._overpayment_sa(item.account_id)
            before = segments.get(target)
            amount = (before.amount if before else ZERO) + result.overpayment
            due = before.debt_due_date if before else None
            segments[target] = SegmentPlan(target, amount, True, due)
        return [segments[sa] for sa in sorted(segments)]

    def _overpayment_sa(self, account_id: int) -> int:
        choices = [i.choice for i in self.infos.get(account_id, [])]
        target = overpayment_target(choices, method=self.rules.overpayment_method)
        if target is not None:
            return target
        # seed 003 step 2.9 (OVRPY-CREDSA): no excess-credit SA yet, so one is created.
        if self.rules.excess_sa_type is None:
            raise DistributionError("no excess-credit SA type is configured for overpayments")
        placeholder = -account_id
        self.new_excess[placeholder] = (account_id, self.as_of)
        excess = self.rules.excess_sa_type
        self.infos.setdefault(account_id, []).append(
            SAInfo(
                SAChoice(placeholder, excess.payment_priority, True, True, True),
                account_id,
                excess.receivable_gl_id,
                False,
            )
        )
        return placeholder

    def excess_create(self) -> dict[int, int]:
        """Create the excess-credit SAs the plans need; {placeholder: new SA id}."""
        if not self.new_excess:
            return {}
        sas = [
            ServiceAgreement(
                account_id=account_id,
                sa_type=self.rules.excess_sa_type,
                status=ServiceAgreement.Status.ACTIVE,
                start_date=day,
            )
            for account_id, day in self.new_excess.values()
        ]
        bulk_insert(ServiceAgreement, sas)
        created = {p: sa.pk for p, sa in zip(self.new_excess, sas, strict=True)}
        for infos in self.infos.values():
            for n, info in enumerate(infos):
                if info.sa_id in created:
                    choice = SAChoice(created[info.sa_id], *_choice_rest(info.choice))
                    infos[n] = SAInfo(choice, info.account_id, info.receivable_gl_id, False)
        return created


def _choice_rest(c: SAChoice) -> tuple:
    return (c.priority, c.is_overpayment_eligible, c.is_excess_credit, c.is_open)


@dataclass(frozen=True)
class ChunkPlan:
    outs: list[PlanOut]
    receivable_gl: dict[int, int]  # SA id -> receivable GL


def segments_plan(*, items: Sequence[PlanIn], as_of: date, rules: Rules) -> ChunkPlan:
    """Plan pay segments for payments of one accounting date (4 queries + 1 per chunk
    that needs new excess-credit SAs)."""
    return segments_plan_days(items=[(as_of, item) for item in items], rules=rules)


def segments_plan_days(*, items: Sequence[tuple[date, PlanIn]], rules: Rules) -> ChunkPlan:
    """`segments_plan` for payments of many accounting dates, (day, payment) in date order,
    with the same queries as one date: each payment is planned as if those of earlier days
    were posted already (the bulk path posts a chunk in one go after planning it)."""
    if not items:
        return ChunkPlan(outs=[], receivable_gl={})
    days = [day for day, _ in items]
    if days != sorted(days):
        raise ValueError("segments_plan_days takes its payments in date order")
    planner = _Planner(
        account_ids={i.account_id for _, i in items}, first=days[0], last=days[-1], rules=rules
    )
    outs = [planner.plan(item, day) for day, item in items]
    created = planner.excess_create()
    if created:
        outs = [
            PlanOut(
                segments=tuple(
                    SegmentPlan(created.get(s.sa_id, s.sa_id), *_segment_rest(s))
                    for s in out.segments
                ),
                error=out.error,
            )
            for out in outs
        ]
    gl = {i.sa_id: i.receivable_gl_id for infos in planner.infos.values() for i in infos}
    return ChunkPlan(outs=outs, receivable_gl=gl)


def _segment_rest(s: SegmentPlan) -> tuple:
    return (s.amount, s.is_overpayment, s.debt_due_date)


def segment_postings(
    *,
    account_id: int,
    segments: Sequence[tuple[int, Decimal]],
    accounting_date: date,
    cash_gl_id: int,
    receivable_gl: Mapping[int, int],
    description: str,
) -> list[Posting]:
    """Pay segments (SA id, amount) as credits on their SAs, debiting the cash GL
    (seed 003 step 3.1, PSEG-NM: payoff and current amount = the segment amount).

    `receivable_gl` maps each SA to the GL credited: its SA type's receivable, or for a
    non-CIS payment the distribution code's GL (C1-NCPAY-FT).
    """
    return [
        Posting(
            sa_id=sa_id,
            account_id=account_id,
            receivable_gl_id=receivable_gl[sa_id],
            offset_gl_id=cash_gl_id,
            kind=FinancialTransaction.Kind.PAY_SEGMENT,
            amount=-amount,
            accounting_date=accounting_date,
            description=description,
        )
        for sa_id, amount in segments
    ]
