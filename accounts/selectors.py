"""Reads of the ledger for screens, the API and batch jobs."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from cis.money import ZERO

from .acp.selectors.access import PRIVATE_PERMISSION, accounts_visible, rows_visible, sees_private
from .models import Account, CreditRatingEvent, CustomerAddress, FinancialTransaction, Location

# re-exported for the APIs, the admin and other apps
__all__ = ["PRIVATE_PERMISSION", "accounts_visible", "rows_visible", "sees_private"]

BASE_CREDIT_RATING = 700


@dataclass(frozen=True)
class Aging:
    """What an account owes, by how late it is. `past_due` = the four late buckets."""

    balance: Decimal
    current: Decimal = ZERO  # billed, not yet due
    days_0_30: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_over_90: Decimal = ZERO

    @property
    def past_due(self) -> Decimal:
        return self.days_0_30 + self.days_31_60 + self.days_61_90 + self.days_over_90


def aging_compute(*, amounts: Iterable[tuple[date | None, Decimal]], as_of: date) -> Aging:
    """Age a ledger: charges by due date, credits applied to the oldest charges first.

    `amounts` are (arrears date, amount) pairs; a charge without a due date counts as due
    on the day it is aged. A charge is past due the day after its due date.
    """
    charges: list[list] = []
    credit = ZERO
    balance = ZERO
    for due, amount in amounts:
        balance += amount
        if amount > 0:
            charges.append([due or as_of, amount])
        else:
            credit -= amount
    charges.sort(key=lambda c: c[0])
    for charge in charges:
        applied = min(charge[1], credit)
        charge[1] -= applied
        credit -= applied
    late = {
        "current": ZERO,
        "days_0_30": ZERO,
        "days_31_60": ZERO,
        "days_61_90": ZERO,
        "days_over_90": ZERO,
    }
    for due, open_amount in charges:
        days = (as_of - due).days
        if days <= 0:
            key = "current"
        elif days <= 30:
            key = "days_0_30"
        elif days <= 60:
            key = "days_31_60"
        elif days <= 90:
            key = "days_61_90"
        else:
            key = "days_over_90"
        late[key] += open_amount
    return Aging(balance=balance, **late)


def account_ledger_balance(*, account: Account) -> Decimal:
    total = account.fts.filter(is_frozen=True).aggregate(s=Sum("current_amount"))["s"]
    return total or ZERO


def account_aging_rows(*, account: Account) -> QuerySet:
    """(arrears date, amount) of the FTs that age: frozen ones, less every cancelled FT
    together with its cancellation.

    Issue 8 item 7: a pair must leave aging together. Kept in, a reversed payment's credit
    pays the oldest charges while its cancellation FT is a charge of its own date (none for
    an overpayment, so aged as current): a bill the payment never paid looked paid, and
    the account showed nothing past due. Dropping the pair ages what is really open.
    """
    return (
        account.fts.filter(is_frozen=True, cancels__isnull=True)
        .exclude(cancelled_by__is_frozen=True)
        .values_list("arrears_date", "current_amount")
    )


def account_aging(*, account: Account, as_of: date | None = None) -> Aging:
    rows = account_aging_rows(account=account)
    return aging_compute(amounts=rows, as_of=as_of or timezone.localdate())


def account_history(*, account: Account):
    """The account's FTs oldest first; screens add a running balance."""
    return (
        FinancialTransaction.objects.filter(account=account, is_frozen=True)
        .select_related("sa__sa_type")
        .order_by("accounting_date", "pk")
    )


def account_credit_scores(*, account: Account, as_of: date | None = None) -> tuple[int, int]:
    """(credit rating, cash-only score) from unexpired credit events."""
    as_of = as_of or timezone.localdate()
    sums = CreditRatingEvent.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=as_of),
        account=account,
        effective_on__lte=as_of,
    ).aggregate(rating=Sum("credit_rating_points"), cash=Sum("cash_only_points"))
    return BASE_CREDIT_RATING + (sums["rating"] or 0), sums["cash"] or 0


def account_budget_amount(*, account: Account, on: date) -> Decimal | None:
    """The account-level budget amount (seed 004, "Setting up Account Level Budget"): the
    effective value of the demographic item `OPENCIS_BUDGET_DEMOGRAPHIC_ITEM` (default
    BUDGET) on the account, or None when it has none. Autopay's *required amount* drafts it."""
    from django.conf import settings

    from .models import Demographic

    code = getattr(settings, "OPENCIS_BUDGET_DEMOGRAPHIC_ITEM", "BUDGET")
    demographic = (
        Demographic.objects.filter(account=account, item__code=code)
        .select_related("item")
        .prefetch_related("variances")
        .first()
    )
    return demographic.effective_value(on) if demographic is not None else None


def mailing_address(*, account: Account) -> CustomerAddress | Location:
    """Where the account's mail goes (statements, refund checks): the customer's primary
    address, else their first, else the service location."""
    address = (
        CustomerAddress.objects.filter(customer_id=account.customer_id)
        .order_by("-is_primary", "pk")
        .first()
    )
    return address or account.location


def latest_statement_balance(*, account: Account) -> Decimal | None:
    """The amount due on the statement of the account's latest completed bill (what its
    PDF prints), None without a completed bill. Autopay's *required amount* falls back
    to it when the account has no budget amount."""
    from .statements import latest_statement_amounts_due

    return latest_statement_amounts_due(account_ids=[account.pk]).get(account.pk)


# Deposits (issue 13 item 3) ---------------------------------------------------------------

DEPOSIT_CHARGE_KINDS = (
    FinancialTransaction.Kind.BILL_SEGMENT,
    FinancialTransaction.Kind.ADJUSTMENT,
)
PAYMENT_KINDS = (FinancialTransaction.Kind.PAY_SEGMENT, FinancialTransaction.Kind.PAY_CANCEL)


@dataclass
class DepositSummary:
    """An account's deposits, from its ledger.

    `billed`: deposit charges; `paid`: payments into the deposit SAs (less reversed ones);
    `interest`: interest credited; `applied`: what paid the final bill's debt; `held`: what
    the utility holds now (the account's share of the deposit liability GL, less deposit
    charges still unpaid); `owing`: deposit charges unpaid; `refund_due`: deposit released
    as a credit on the deposit SA and not yet refunded."""

    account_id: int
    sa_ids: list[int]
    billed: Decimal = ZERO
    paid: Decimal = ZERO
    interest: Decimal = ZERO
    applied: Decimal = ZERO
    held: Decimal = ZERO
    owing: Decimal = ZERO
    refund_due: Decimal = ZERO
    billed_on: date | None = None
    paid_on: date | None = None
    status: str = ""


def deposits_summary(*, account_ids, before: date | None = None) -> dict[int, DepositSummary]:
    """{account id: DepositSummary} for the accounts with a deposit SA, from two grouped
    queries (the panel's Message Center reads it on every view). `before`: only FTs dated
    before that day (the interest job's period start)."""
    from django.db.models import Min

    from .models import GLLine, SAType, ServiceAgreement

    # One row per deposit SA (also one with no FT yet: nothing billed), its FTs summed.
    ft = Q(fts__is_frozen=True) & (Q(fts__accounting_date__lt=before) if before else Q())
    charge = ft & Q(fts__kind__in=DEPOSIT_CHARGE_KINDS, fts__current_amount__gt=0)
    Kind = FinancialTransaction.Kind
    interest = ft & Q(fts__kind=Kind.DEPOSIT_INTEREST, fts__current_amount__gt=0)
    per_sa = (
        ServiceAgreement.objects.filter(account_id__in=list(account_ids), sa_type__is_deposit=True)
        .values("account_id", "pk")
        .annotate(
            balance=Sum("fts__current_amount", filter=ft),
            billed=Sum("fts__current_amount", filter=charge),
            paid=Sum("fts__current_amount", filter=ft & Q(fts__kind__in=PAYMENT_KINDS)),
            interest=Sum("fts__current_amount", filter=interest),
            billed_on=Min("fts__accounting_date", filter=charge),
            paid_on=Min(
                "fts__accounting_date",
                filter=ft & Q(fts__kind=FinancialTransaction.Kind.PAY_SEGMENT),
            ),
        )
        .order_by("account_id", "pk")
    )
    out: dict[int, DepositSummary] = {}
    for row in per_sa:
        s = out.setdefault(row["account_id"], DepositSummary(row["account_id"], []))
        s.sa_ids.append(row["pk"])
        balance = row["balance"] or ZERO
        s.billed += row["billed"] or ZERO
        s.paid -= row["paid"] or ZERO
        s.interest += row["interest"] or ZERO
        s.owing += max(balance, ZERO)
        s.refund_due += max(-balance, ZERO)
        for name in ("billed_on", "paid_on"):
            if row[name] and (getattr(s, name) is None or row[name] < getattr(s, name)):
                setattr(s, name, row[name])
    if not out:
        return out
    # The deposit liability GL lines per account; a deposit applied to a final bill is an
    # FT on a debt SA whose offset line is on that GL (+amount: the liability goes down).
    dated = {"ft__accounting_date__lt": before} if before else {}
    gl = (
        GLLine.objects.filter(
            ft__account_id__in=list(out),
            ft__is_frozen=True,
            gl_account_id__in=SAType.objects.filter(is_deposit=True).values("revenue_gl_id"),
            **dated,
        )
        .values("ft__account_id")
        .annotate(
            total=Sum("amount"),
            applied=Sum("amount", filter=Q(ft__kind=FinancialTransaction.Kind.DEPOSIT_APPLY)),
        )
        .order_by()
    )
    liability, applied = {}, {}
    for row in gl:
        liability[row["ft__account_id"]] = row["total"]
        applied[row["ft__account_id"]] = -(row["applied"] or ZERO)
    for account_id, s in out.items():
        # Liability GL lines are credits (negative); unpaid deposit charges are in it too.
        s.held = max(-(liability.get(account_id) or ZERO) - s.owing, ZERO)
        s.applied = -(applied.get(account_id) or ZERO)
        if s.held > 0:
            s.status = "Held"
        elif s.refund_due > 0:
            s.status = "Refund due"
        elif s.applied > 0 or (s.paid > 0 and s.owing == 0):
            s.status = "Applied / refunded"
        elif s.owing > 0:
            s.status = "Billed"
    return out


def deposit_held_total(*, account_ids) -> Decimal:
    """What the utility holds as deposits for these accounts (the Message Center)."""
    return sum((s.held for s in deposits_summary(account_ids=account_ids).values()), ZERO)
