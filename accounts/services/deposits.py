"""Deposits (issue 13 item 3; seed 004 Location tab > Deposits and the Message Center).

Ledger, all through `ledger_post` (each FT's GL lines balance):

- Bill a deposit: an adjustment of type DEPOSIT on the account's deposit SA (created when
  it has none): Dr 1150 AR deposits / Cr 2100 Customer deposits held. Paid like any charge
  (payments distribute to the deposit SA first, priority 10); once paid it is *held*.
- Interest (batch job `deposit_interest`): simple interest on the principal held on the
  first day of a calendar month, `principal x annual rate / 100 x days in month / 365`,
  rounded half up to the cent per deposit and month (so twelve monthly amounts may differ
  from one yearly computation by a cent or so). The rate is the DepositInterestRate in
  effect on the month's last day. Two FTs of kind DEPOSIT_INTEREST on the deposit SA,
  netting to zero on its balance: -i (Cr 1150 / Dr 6200 interest expense) and +i
  (Dr 1150 / Cr 2100): the interest is added to what is held, not to the customer's
  current credit. A DepositInterest row per (SA, month) makes a re-run book nothing.
- Final bill: a complete bill of an account whose non-deposit SAs are all stopped or
  closed (there is at least one). When such a bill completes (signal `bill_completed`),
  `deposit_apply_final` applies what is held to the account's debt: an FT DEPOSIT_APPLY of
  -a on each SA that owes, in payment priority order (Cr its receivable / Dr 2100); the
  rest, and any deposit charge still unpaid, is released with one FT DEPOSIT_RELEASE on
  the deposit SA (Cr 1150 / Dr 2100), which leaves the rest as a credit on the deposit SA:
  the refund due.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from cis.money import ZERO, quantize

from ..lock_objects import account_qs_select_for_update, sa_qs_select_for_update
from ..models import (
    Account,
    AdjustmentType,
    Bill,
    DepositApplication,
    DepositInterest,
    DepositInterestRate,
    FinancialTransaction,
    GLAccount,
    Refund,
    SAType,
    ServiceAgreement,
)
from ..selectors import deposits_summary
from .adjustments import adjustment_create
from .ledger import Posting, ledger_post
from .refunds import refund_credit_available, refund_request

log = logging.getLogger(__name__)

DEPOSIT_ADJUSTMENT_TYPE = "DEPOSIT"
INTEREST_GL_DEFAULT = "6200"
DAYS_IN_YEAR = Decimal(365)
OPEN_STATUSES = (ServiceAgreement.Status.PENDING, ServiceAgreement.Status.ACTIVE)


class DepositError(ValueError):
    pass


def _interest_gl() -> GLAccount:
    code = getattr(settings, "OPENCIS_DEPOSIT_INTEREST_GL", INTEREST_GL_DEFAULT)
    gl, _ = GLAccount.objects.get_or_create(
        code=code, defaults={"description": "Interest expense - customer deposits"}
    )
    return gl


def deposit_sa_for(account: Account, *, start_date: date | None = None) -> ServiceAgreement:
    """The account's open deposit SA, created (Active) when it has none."""
    sa = (
        account.agreements.filter(sa_type__is_deposit=True, status__in=OPEN_STATUSES)
        .order_by("pk")
        .first()
    )
    if sa is not None:
        return sa
    sa_type = SAType.objects.filter(is_deposit=True, is_active=True).order_by("code").first()
    if sa_type is None:
        raise DepositError("no active deposit SA type is configured")
    return ServiceAgreement.objects.create(
        account=account, sa_type=sa_type, start_date=start_date or timezone.localdate()
    )


@transaction.atomic
def deposit_bill(
    *,
    account: Account,
    amount: Decimal,
    reason: str = "Security deposit",
    user=None,
    billed_on: date | None = None,
    due_date: date | None = None,
):
    """Charge a deposit on the account's deposit SA (created if needed). Returns the
    Adjustment; its FT is Dr 1150 / Cr 2100."""
    amount = quantize(amount)
    if amount <= 0:
        raise DepositError("a deposit must be a positive amount")
    list(account_qs_select_for_update().filter(pk=account.pk))
    day = billed_on or timezone.localdate()
    sa = deposit_sa_for(account, start_date=day)
    adjustment_type, _ = AdjustmentType.objects.get_or_create(
        code=DEPOSIT_ADJUSTMENT_TYPE,
        defaults={"description": "Security deposit charge", "offset_gl": sa.sa_type.revenue_gl},
    )
    return adjustment_create(
        sa=sa,
        adjustment_type=adjustment_type,
        amount=amount,
        reason=reason,
        user=user,
        accounting_date=day,
        arrears_date=due_date or day,
    )


# Interest ---------------------------------------------------------------------------------


def interest_period(business_date: date) -> tuple[date, date]:
    """The calendar month before `business_date`'s month: what a run on that day books."""
    end = business_date.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def interest_rate_on(day: date) -> Decimal | None:
    row = DepositInterestRate.objects.filter(effective_on__lte=day).order_by("-effective_on")
    rate = row.values_list("annual_rate", flat=True).first()
    return rate


def interest_compute(*, principal: Decimal, annual_rate: Decimal, days: int) -> Decimal:
    """Simple interest, half up to the cent: principal x rate% x days / 365."""
    if principal <= 0 or annual_rate <= 0 or days <= 0:
        return ZERO
    return quantize(principal * annual_rate / Decimal(100) * Decimal(days) / DAYS_IN_YEAR)


def interest_candidates(business_date: date):
    """Deposit SAs (the first of each account) with a deposit payment before the period
    and no interest row for it yet: the batch job's work items."""
    start, end = interest_period(business_date)
    first_deposit_sa = (
        ServiceAgreement.objects.filter(account_id=OuterRef("account_id"), sa_type__is_deposit=True)
        .order_by("pk")
        .values("pk")[:1]
    )
    return (
        ServiceAgreement.objects.filter(sa_type__is_deposit=True)
        .filter(pk=Subquery(first_deposit_sa))
        .filter(
            Exists(
                FinancialTransaction.objects.filter(
                    sa_id=OuterRef("pk"),
                    kind=FinancialTransaction.Kind.PAY_SEGMENT,
                    accounting_date__lt=start,
                )
            )
        )
        .exclude(Exists(DepositInterest.objects.filter(sa_id=OuterRef("pk"), period_end=end)))
        .exclude(Exists(DepositApplication.objects.filter(account_id=OuterRef("account_id"))))
        .order_by("pk")
    )


@dataclass(frozen=True)
class InterestResult:
    booked: int  # deposits credited with interest
    recorded: int  # deposits looked at (interest rows written, some of 0.00)
    total: Decimal


@transaction.atomic
def deposits_interest_post(*, sas: Sequence[ServiceAgreement], business_date: date):
    """Book the month before `business_date` for these deposit SAs, once each: an SA that
    has its row for the month already is skipped. Constant queries per chunk."""
    start, end = interest_period(business_date)
    rate = interest_rate_on(end)
    sas = list(
        ServiceAgreement.objects.filter(pk__in=[sa.pk for sa in sas])
        .exclude(Exists(DepositInterest.objects.filter(sa_id=OuterRef("pk"), period_end=end)))
        .select_related("sa_type")
        .order_by("pk")
    )
    if not sas:
        return InterestResult(0, 0, ZERO)
    summary = deposits_summary(account_ids=[sa.account_id for sa in sas], before=start)
    days = (end - start).days + 1
    gl = _interest_gl()
    rows, postings, total = [], [], ZERO
    for sa in sas:
        s = summary.get(sa.account_id)
        principal = max((s.held - s.interest) if s else ZERO, ZERO)
        amount = interest_compute(principal=principal, annual_rate=rate or ZERO, days=days)
        rows.append(
            DepositInterest(
                sa=sa,
                period_start=start,
                period_end=end,
                principal=principal,
                annual_rate=rate or ZERO,
                days=days,
                amount=amount,
            )
        )
        if amount > 0:
            total += amount
            postings += interest_postings(sa=sa, amount=amount, on=end, interest_gl=gl)
    DepositInterest.objects.bulk_create(rows)
    if postings:
        ledger_post(postings=postings)
    return InterestResult(len(postings) // 2, len(rows), total)


def interest_postings(
    *, sa: ServiceAgreement, amount: Decimal, on: date, interest_gl: GLAccount
) -> list[Posting]:
    common = {
        "sa_id": sa.pk,
        "account_id": sa.account_id,
        "receivable_gl_id": sa.sa_type.receivable_gl_id,
        "kind": FinancialTransaction.Kind.DEPOSIT_INTEREST,
        "accounting_date": on,
    }
    label = f"Deposit interest {on:%m/%Y}"
    return [
        # the interest expense, credited to the deposit SA ...
        Posting(**common, offset_gl_id=interest_gl.pk, amount=-amount, description=label),
        # ... and added to the deposit held (liability), so the SA's balance is unchanged
        Posting(
            **common,
            offset_gl_id=sa.sa_type.revenue_gl_id,
            amount=amount,
            arrears_date=on,
            description=f"{label} held",
        ),
    ]


# Final bill -------------------------------------------------------------------------------


def bill_is_final(bill: Bill) -> bool:
    """A complete bill of an account whose non-deposit SAs (at least one) are all stopped
    or closed."""
    if bill.status != Bill.Status.COMPLETE:
        return False
    services = ServiceAgreement.objects.filter(account_id=bill.account_id).exclude(
        sa_type__is_deposit=True
    )
    services = services.exclude(sa_type__is_excess_credit=True)
    return services.exists() and not services.filter(status__in=OPEN_STATUSES).exists()


@dataclass
class DepositApplicationResult:
    account: Account
    bill: Bill
    held: Decimal = ZERO
    applied: dict[int, Decimal] = field(default_factory=dict)  # SA id -> amount applied
    refund_due: Decimal = ZERO
    application: DepositApplication | None = None
    refund: Refund | None = None  # the check refund requested for `refund_due`

    @property
    def applied_total(self) -> Decimal:
        return sum(self.applied.values(), ZERO)


@transaction.atomic
def deposit_apply_final(*, bill: Bill) -> DepositApplicationResult:
    """Apply the deposit held (with its interest) to the final bill's debt, SAs in payment
    priority order; leave the rest as a credit on the deposit SA and say it is
    `refund_due`. Once per bill: a bill that is not final, or one applied already, gets an
    empty result (no application); an account holding nothing gets an application of
    zeros (so the sweep job is done with it)."""
    account = account_qs_select_for_update().get(pk=bill.account_id)
    sas = list(
        sa_qs_select_for_update().filter(account=account).select_related("sa_type").order_by("pk")
    )
    bill = Bill.objects.get(pk=bill.pk)
    result = DepositApplicationResult(account=account, bill=bill)
    if not bill_is_final(bill) or DepositApplication.objects.filter(bill=bill).exists():
        return result
    summary = deposits_summary(account_ids=[account.pk]).get(account.pk)
    if summary is None:
        return result
    if summary.held <= 0 and summary.owing <= 0:
        # nothing held: recorded, so the sweep job does not pick the bill again
        result.application = DepositApplication.objects.create(
            account=account, bill=bill, held=ZERO, applied=ZERO, refund_due=ZERO
        )
        return result
    deposits = [sa for sa in sas if sa.sa_type.is_deposit]
    liability_gl_id = deposits[0].sa_type.revenue_gl_id
    result.held = remaining = summary.held
    debts = sorted(
        (
            sa
            for sa in sas
            if not sa.sa_type.is_deposit and not sa.sa_type.is_excess_credit and sa.balance > 0
        ),
        key=lambda sa: (sa.sa_type.payment_priority, sa.pk),
    )
    # Dated the bill's date but not the bill's own FTs (no bill id): statements show them
    # as adjustments, and delinquency's open-bill reads don't take them for bill charges.
    day = bill.bill_date
    postings = []
    for sa in debts:
        if remaining <= 0:
            break
        amount = min(remaining, sa.balance)
        remaining -= amount
        result.applied[sa.pk] = amount
        postings.append(
            Posting(
                sa_id=sa.pk,
                account_id=account.pk,
                receivable_gl_id=sa.sa_type.receivable_gl_id,
                offset_gl_id=liability_gl_id,
                kind=FinancialTransaction.Kind.DEPOSIT_APPLY,
                amount=-amount,
                accounting_date=day,
                description="Deposit applied to final bill",
            )
        )
    # The rest, and deposit charges never paid, leave the liability: the first as a credit
    # on the (first) deposit SA, the second by clearing what the deposit SA owes.
    for n, sa in enumerate(deposits):
        release = max(sa.balance, ZERO) + (remaining if n == 0 else ZERO)
        if release > 0:
            postings.append(
                Posting(
                    sa_id=sa.pk,
                    account_id=account.pk,
                    receivable_gl_id=sa.sa_type.receivable_gl_id,
                    offset_gl_id=sa.sa_type.revenue_gl_id,
                    kind=FinancialTransaction.Kind.DEPOSIT_RELEASE,
                    amount=-release,
                    accounting_date=day,
                    description="Deposit released for refund" if n == 0 else "Deposit released",
                )
            )
    ledger_post(postings=postings)
    result.refund_due = remaining
    result.application = DepositApplication.objects.create(
        account=account,
        bill=bill,
        held=result.held,
        applied=result.applied_total,
        refund_due=remaining,
    )
    if remaining > 0:
        # The rest goes back to the customer: a check refund (to the mailing address) a
        # Supervisor approves from the REFUNDAPPR To Do, like any refund. Only credit the
        # account really has is refunded (`refund_credit_available`).
        amount = min(remaining, refund_credit_available(account=account, source="deposit"))
        if amount > 0:
            result.refund = refund_request(
                account=account,
                amount=amount,
                method="check",
                reason=f"Deposit refund after final bill of {bill.bill_date}",
                source="deposit",
            )
    return result


def final_bill_candidates(bill_ids: Sequence[int] | None = None, business_date=None):
    """Complete bills that are final (`bill_is_final`) of accounts with a deposit SA and
    no deposit application yet: among `bill_ids`, or dated on or before `business_date`
    (the sweep job's work items). One query."""
    open_service = ServiceAgreement.objects.filter(
        account_id=OuterRef("account_id"), status__in=OPEN_STATUSES
    ).exclude(sa_type__is_deposit=True)
    service = ServiceAgreement.objects.filter(
        account_id=OuterRef("account_id"),
        sa_type__is_deposit=False,
        sa_type__is_excess_credit=False,
    )
    bills = Bill.objects.filter(status=Bill.Status.COMPLETE)
    if bill_ids is not None:
        bills = bills.filter(pk__in=list(bill_ids))
    if business_date is not None:
        bills = bills.filter(bill_date__lte=business_date)
    return (
        bills.filter(
            Exists(
                ServiceAgreement.objects.filter(
                    account_id=OuterRef("account_id"), sa_type__is_deposit=True
                )
            ),
            Exists(service),
        )
        .exclude(Exists(open_service))
        .exclude(Exists(DepositApplication.objects.filter(account_id=OuterRef("account_id"))))
        .order_by("pk")
    )


def deposits_apply_final_bills(*, bill_ids: Sequence[int]) -> list[DepositApplicationResult]:
    """The final bills among `bill_ids`, each applied in its own transaction."""
    return [deposit_apply_final(bill=bill) for bill in final_bill_candidates(bill_ids)]


def on_bill_completed(sender, bill_ids, **kwargs) -> None:
    """`bill_completed` receiver. Its bills are committed already, and other receivers
    (autopay) must still run: a failure is logged, and the `deposit_final_bills` job
    applies what it left out."""
    try:
        deposits_apply_final_bills(bill_ids=bill_ids)
    except Exception:
        log.exception(
            "deposits: final bills among %s not applied; the sweep will", list(bill_ids)[:20]
        )
