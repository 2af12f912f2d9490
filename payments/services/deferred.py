"""Deferred charges at payment freeze (seed 004, Customer tab > Deferred Charges).

When a payment freezes, each active item the customer takes part in is computed and
charged, in the items' apply order:

- The statement amount (the basis of percentage and round-up) is what the account owed
  when the payment came: its balance just before the payment, never below zero.
- Amount methods filled in (fixed, percentage of the statement amount, round the statement
  amount up to the next multiple) combine by the item's calculation (maximum, minimum or
  sum of them); "never let amount exceed" caps the result.
- Trigger *overpayment*: the charge is at most what the payment left over after paying
  every debt (its overpayment segment), so it never raises the balance. Trigger
  *payment*: charged with every payment, at most the payment itself; what the payment's
  overpayment doesn't cover stays owed (seed 004: "These charges can cause the account
  balance to increase").

Money: the charge is an adjustment FT on the SA the item's service apply order picks
(debit the SA's receivable, credit the item's GL, e.g. 2400 Charitable donations payable).
The part paid by the payment's overpayment is moved from the overpayment SA to the
charged SA by two FTs through the payment's cash GL (which nets to zero); when the
charged SA is the overpayment SA the charge simply uses up its credit. Both payment paths
(online `freeze_segments`, bulk `payments_post_bulk`) call `deferred_charges_apply` once
per freeze; a unique constraint keeps it to once per payment and item. A payment cancel
(`payments_reverse`) calls `deferred_charges_reverse`.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Customer, FinancialTransaction, ServiceAgreement
from accounts.services.ledger import Posting, ledger_post_ids, reversal_postings
from cis.money import ZERO, quantize

from ..models import (
    DeferredCharge,
    DeferredChargeEnrollment,
    DeferredChargeServiceOrder,
    DeferredChargeType,
)

ADJ = FinancialTransaction.Kind.ADJUSTMENT


@dataclass(frozen=True, slots=True)
class FrozenPayment:
    """A payment just frozen, as both freeze paths know it (ids, no instances)."""

    payment_id: int
    account_id: int
    amount: Decimal
    accounting_date: date
    cash_gl_id: int
    # (SA id, amount, is overpayment) per pay segment
    segments: tuple[tuple[int, Decimal, bool], ...]


def charge_amount(*, charge_type: DeferredChargeType, basis: Decimal) -> Decimal:
    """The item's amount for a statement amount of `basis` (before the trigger's cap)."""
    basis = max(basis, ZERO)
    found = []
    if charge_type.fixed_amount is not None:
        found.append(charge_type.fixed_amount)
    if charge_type.percentage is not None:
        found.append(quantize(basis * charge_type.percentage / 100))
    if charge_type.round_up_multiple is not None:
        m = charge_type.round_up_multiple
        found.append(quantize((basis / m).to_integral_value(rounding=ROUND_CEILING) * m - basis))
    if not found:
        return ZERO
    calc = DeferredChargeType.Calculation
    if charge_type.calculation == calc.MINIMUM:
        amount = min(found)
    elif charge_type.calculation == calc.SUM:
        amount = sum(found, ZERO)
    else:
        amount = max(found)
    if charge_type.never_exceed is not None:
        amount = min(amount, charge_type.never_exceed)
    return quantize(amount)


def participates(*, charge_type: DeferredChargeType, answer: bool | None) -> bool:
    """A customer's answer, or the item's default (opt-out items apply until declined)."""
    if answer is not None:
        return answer
    return charge_type.signup_type == DeferredChargeType.Signup.OPT_OUT


@dataclass(frozen=True, slots=True)
class _SA:
    pk: int
    sa_type_id: int
    priority: int
    receivable_gl_id: int
    chargeable: bool  # active, not a deposit or excess-credit SA


def _target_sa(charge_type: DeferredChargeType, sas: list[_SA], order: list[int]) -> _SA | None:
    """Where the item's charge lands: the company payoff order (highest payment priority
    active SA), or the first SA type of its service apply order the account has active."""
    open_sas = [s for s in sas if s.chargeable]
    if charge_type.use_company_payoff_order or not order:
        return min(open_sas, key=lambda s: (s.priority, s.pk), default=None)
    for sa_type_id in order:
        found = [s for s in open_sas if s.sa_type_id == sa_type_id]
        if found:
            return min(found, key=lambda s: s.pk)
    return None


def deferred_charges_apply(*, payments: Sequence[FrozenPayment]) -> list[DeferredCharge]:
    """Charge the deferred items of payments just frozen (the caller holds their accounts'
    locks; their pay-segment FTs are posted). One query when no item is active."""
    if not payments:
        return []
    types = list(DeferredChargeType.objects.filter(is_active=True))
    if not types:
        return []
    days = [p.accounting_date for p in payments]
    types = [t for t in types if any(t.active_on(d) for d in days)]
    if not types:
        return []
    account_ids = {p.account_id for p in payments}
    # Suspense accounts (unidentified money) take no deferred charges.
    accounts = {
        pk: (customer_id, balance)
        for pk, customer_id, balance in Account.objects.filter(
            pk__in=account_ids, is_suspense=False
        ).values_list("pk", "customer_id", "balance")
    }
    payments = [p for p in payments if p.account_id in accounts]
    answers = {
        (c, t): yes
        for c, t, yes in DeferredChargeEnrollment.objects.filter(
            customer_id__in={c for c, _ in accounts.values()}, charge_type__in=types
        ).values_list("customer_id", "charge_type_id", "is_participating")
    }
    wanted = {
        p.payment_id: [
            t
            for t in types
            if t.active_on(p.accounting_date)
            and participates(charge_type=t, answer=answers.get((accounts[p.account_id][0], t.pk)))
        ]
        for p in payments
    }
    if not any(wanted.values()):
        return []
    return _charge(payments, wanted, accounts)


def _charge(payments, wanted, accounts) -> list[DeferredCharge]:
    account_ids = {p.account_id for p in payments if wanted[p.payment_id]}
    sas: dict[int, list[_SA]] = defaultdict(list)
    rows = ServiceAgreement.objects.filter(account_id__in=account_ids).values_list(
        "pk",
        "account_id",
        "sa_type_id",
        "sa_type__payment_priority",
        "sa_type__receivable_gl_id",
        "status",
        "sa_type__is_deposit",
        "sa_type__is_excess_credit",
        "balance",
    )
    gl_of, sa_balance = {}, defaultdict(Decimal)
    for pk, account_id, sa_type_id, priority, gl, status, deposit, excess, owed in rows:
        sa_balance[pk] = owed
        chargeable = status == ServiceAgreement.Status.ACTIVE and not deposit and not excess
        sas[account_id].append(_SA(pk, sa_type_id, priority, gl, chargeable))
        gl_of[pk] = gl
    type_ids = {t.pk for ts in wanted.values() for t in ts if not t.use_company_payoff_order}
    orders: dict[int, list[int]] = defaultdict(list)
    for type_id, sa_type_id in DeferredChargeServiceOrder.objects.filter(
        charge_type_id__in=type_ids
    ).values_list("charge_type_id", "sa_type_id"):
        orders[type_id].append(sa_type_id)
    done = set(
        DeferredCharge.objects.filter(payment_id__in=[p.payment_id for p in payments]).values_list(
            "payment_id", "charge_type_id"
        )
    )
    # Balances before each payment (account and SA): now (every payment here posted) plus
    # the payments not reached yet, plus the charges made so far.
    balance = {a: accounts[a][1] for a in account_ids}
    for p in payments:
        if p.account_id in balance:
            balance[p.account_id] += p.amount
            for sa_id, amount, _ in p.segments:
                sa_balance[sa_id] += amount
    postings: list[Posting] = []
    charges: list[tuple[DeferredCharge, int]] = []  # the charge and its number of postings
    for p in payments:
        if p.account_id not in balance:
            continue
        moves = _charges_of(p, wanted[p.payment_id], balance, sa_balance, done, sas, orders, gl_of)
        for charge, new in moves:
            postings += new
            charges.append((charge, len(new)))
        balance[p.account_id] -= p.amount
        for sa_id, amount, _ in p.segments:
            sa_balance[sa_id] -= amount
        for _, new in moves:
            balance[p.account_id] += sum((n.amount for n in new), ZERO)
            for n in new:
                sa_balance[n.sa_id] += n.amount
    if not charges:
        return []
    ids = iter(ledger_post_ids(postings=postings))
    for charge, count in charges:
        fts = [next(ids) for _ in range(count)]
        charge.charge_ft_id = fts[0]
        if count == 3:
            charge.funding_from_ft_id, charge.funding_to_ft_id = fts[1], fts[2]
    return DeferredCharge.objects.bulk_create([c for c, _ in charges])


def _charges_of(p: FrozenPayment, types, balance, sa_balance, done, sas, orders, gl_of):
    """One payment's charges, each with its postings, in the items' apply order."""
    if not types:
        return []
    basis = max(balance[p.account_id], ZERO)
    # The overpayment: what the SA flagged for it got beyond that SA's own debt.
    over_sa, left = None, ZERO
    for sa_id, amount, is_over in p.segments:
        if is_over:
            over_sa = sa_id
            left = amount - min(amount, max(sa_balance[sa_id], ZERO))
    out = []
    for t in sorted(types, key=lambda t: (t.apply_order, t.code)):
        if (p.payment_id, t.pk) in done:
            continue
        sa = _target_sa(t, sas[p.account_id], orders.get(t.pk, []))
        cap = left if t.trigger == DeferredChargeType.Trigger.OVERPAYMENT else p.amount
        amount = min(charge_amount(charge_type=t, basis=basis), cap)
        if sa is None or amount <= 0:
            continue
        funded = min(amount, left)
        left -= funded
        what = f"{t.description} (deferred charge {t.code})"[:120]
        new = [
            Posting(sa.pk, p.account_id, sa.receivable_gl_id, t.gl_account_id, ADJ, amount,
                    p.accounting_date, arrears_date=p.accounting_date, description=what)
        ]  # fmt: skip
        if funded and over_sa != sa.pk:
            paid = f"{t.code} paid from the payment's overpayment"[:120]
            new += [
                Posting(over_sa, p.account_id, gl_of[over_sa], p.cash_gl_id, ADJ, funded,
                        p.accounting_date, arrears_date=p.accounting_date, description=paid),
                Posting(sa.pk, p.account_id, sa.receivable_gl_id, p.cash_gl_id, ADJ, -funded,
                        p.accounting_date, description=paid),
            ]  # fmt: skip
        charge = DeferredCharge(
            payment_id=p.payment_id, charge_type=t, amount=amount, funded=funded, basis=basis
        )
        out.append((charge, new))
    return out


def deferred_charges_on_freeze(*, payment, segments) -> list[DeferredCharge]:
    """`deferred_charges_apply` for one payment frozen online (`freeze_segments`); a
    non-CIS payment (a distribution code, no customer's bill) takes none."""
    if payment.distribution_code_id:
        return []
    return deferred_charges_apply(
        payments=[
            FrozenPayment(
                payment_id=payment.pk,
                account_id=payment.account_id,
                amount=payment.amount,
                accounting_date=payment.accounting_date,
                cash_gl_id=payment.event.tender_source.cash_gl_id,
                segments=tuple((s.sa_id, s.amount, s.is_overpayment) for s in segments),
            )
        ]
    )


def deferred_charges_reverse(
    *, payment_ids: Iterable[int], accounting_date: date, description: str
) -> int:
    """Reverse the deferred charges of payments being cancelled (the caller holds the
    locks): every FT of each charge gets its cancellation FT. Returns how many charges."""
    charges = list(
        DeferredCharge.objects.filter(payment_id__in=list(payment_ids), cancelled_at__isnull=True)
    )
    if not charges:
        return 0
    fts = FinancialTransaction.objects.in_bulk([pk for c in charges for pk in c.fts()])
    postings = reversal_postings(
        [fts[pk] for c in charges for pk in c.fts()],
        kind=FinancialTransaction.Kind.ADJUSTMENT_CANCEL,
        accounting_date=accounting_date,
        description=description[:120],
    )
    ledger_post_ids(postings=postings)
    now = timezone.now()
    for c in charges:
        c.cancelled_at = now
    DeferredCharge.objects.bulk_update(charges, ["cancelled_at"])
    return len(charges)


def customer_deferred_items(*, customer: Customer) -> list[dict]:
    """The Deferred Charges sub-tab: every active item with this customer's participation
    (checked: taking part) and whether that is the item's default."""
    answers = dict(
        DeferredChargeEnrollment.objects.filter(customer=customer).values_list(
            "charge_type_id", "is_participating"
        )
    )
    today = timezone.localdate()
    return [
        {
            "type": t,
            "participating": participates(charge_type=t, answer=answers.get(t.pk)),
            "answered": t.pk in answers,
            "current": t.active_on(today),
        }
        for t in DeferredChargeType.objects.filter(is_active=True).select_related("gl_account")
    ]


@transaction.atomic
def deferred_participation_set(
    *, customer: Customer, charge_type: DeferredChargeType, participating: bool, user=None
) -> DeferredChargeEnrollment:
    """Opt a customer in to (or out of) an item; later payments follow the answer."""
    enrollment, _ = DeferredChargeEnrollment.objects.update_or_create(
        customer=customer,
        charge_type=charge_type,
        defaults={"is_participating": participating, "changed_by": user},
    )
    return enrollment
