"""Online distribution of one payment into pay segments (seed 003 steps 1.5, 1.8, 2.0,
2.4/2.5, 5.1/5.2, 8.5). The algorithms live in `payments.distribution`, the engine shared
with the bulk path in `planning`."""

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from accounts.models import ServiceAgreement

from ..distribution import DistributionAlgorithm
from ..exceptions import PaymentError, PaymentStateError
from ..lock_objects import accounts_lock, payment_qs_select_for_update
from ..models import Payment, PaySegment
from .planning import PlanIn, Rules, segments_plan

SAAmounts = Mapping[ServiceAgreement | int, Decimal]


def _sa_id(sa: ServiceAgreement | int) -> int:
    return sa if isinstance(sa, int) else sa.pk


def match_sa_id(match_value: str) -> int | None:
    """The SA id a match value names (DSOV SA-ID); None when it names none."""
    value = (match_value or "").strip()
    return int(value) if value.isdigit() else None


def by_csr_amounts(*, payment: Payment, sa_amounts: SAAmounts | None) -> bool:
    """Whether the payment is distributed by the CSR's amounts per SA (a non-CIS payment
    always goes whole to its one SA)."""
    return bool(sa_amounts) and not payment.distribution_code_id


def plan_in(*, payment: Payment, rules: Rules, sa_amounts: SAAmounts | None = None) -> PlanIn:
    """How this payment is to be distributed, as the engine takes it."""
    if payment.distribution_code_id:
        # A non-CIS payment goes whole to the non-CIS account's one SA (seed 003 step 1.3).
        sa = payment.account.agreements.order_by("pk").values_list("pk", flat=True).first()
        return PlanIn(payment.account_id, payment.amount, DistributionAlgorithm.MATCH_SA, sa)
    algorithm = payment.algorithm or rules.algorithm
    if payment.match_value and not payment.distribution_rule_id:
        algorithm = DistributionAlgorithm.MATCH_SA
    return PlanIn(
        account_id=payment.account_id,
        amount=payment.amount,
        algorithm=algorithm,
        match_sa_id=match_sa_id(payment.match_value),
        sa_amounts={_sa_id(sa): a for sa, a in sa_amounts.items()} if sa_amounts else None,
    )


@transaction.atomic
def payment_distribute(
    *, payment: Payment, sa_amounts: SAAmounts | None = None, user=None
) -> Payment:
    """(Re)create an unfrozen payment's pay segments: by the configured rule, or manually
    from `sa_amounts` (CSR amounts per SA, which must add up to the payment).

    An automatic distribution that cannot be done leaves the payment in Error with the
    reason (seed 003 step 7.1); a re-distribution is how it is retried (step 8.5).
    """
    accounts_lock([payment.account_id])
    payment = payment_qs_select_for_update().select_related("account").get(pk=payment.pk)
    if payment.status == Payment.Status.ERROR:
        payment.retry(by=user)
    if payment.status != Payment.Status.INCOMPLETE:
        raise PaymentStateError(f"payment {payment.pk} is {payment.status}: it can't be changed")
    payment.segments.all().delete()
    PaySegment.objects.bulk_create(
        distribution_plan(payment=payment, sa_amounts=sa_amounts, user=user)
    )
    payment.save(update_fields=["status", "error_message", "is_manual_distribution"])
    return payment


def distribution_plan(
    *, payment: Payment, sa_amounts: SAAmounts | None = None, user=None
) -> list[PaySegment]:
    """The pay segments (not saved) of an incomplete payment whose account the caller has
    locked. An automatic distribution that cannot be done moves the payment to Error with
    its reason (not saved either) and plans nothing; a manual one is refused. Marks the
    payment (not saved) as distributed by the CSR's amounts or by the system."""
    return distribution_plan_gl(payment=payment, sa_amounts=sa_amounts, user=user)[0]


def distribution_plan_gl(
    *, payment: Payment, sa_amounts: SAAmounts | None = None, user=None
) -> tuple[list[PaySegment], dict[int, int]]:
    """`distribution_plan`, with the receivable GL of each of the account's SAs (SA id ->
    GL id) the plan read anyway, so freezing the segments needs no query for them."""
    rules = Rules.cached()
    item = plan_in(payment=payment, rules=rules, sa_amounts=sa_amounts)
    payment.is_manual_distribution = by_csr_amounts(payment=payment, sa_amounts=sa_amounts)
    plan = segments_plan(items=[item], as_of=payment.accounting_date, rules=rules)
    out = plan.outs[0]
    if out.error and sa_amounts is not None:
        raise PaymentError(out.error)
    if out.error:
        payment.fail(by=user)
        payment.error_message = out.error[:300]
        return [], plan.receivable_gl
    payment.error_message = ""
    return [
        PaySegment(
            payment=payment,
            sa_id=s.sa_id,
            amount=s.amount,
            is_overpayment=s.is_overpayment,
            debt_due_date=s.debt_due_date,
        )
        for s in out.segments
    ], plan.receivable_gl
