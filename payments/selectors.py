"""Reads for payment services, views, the API and batch jobs.

`sa_open_debts` and `account_sa_choices` feed distribution on both the online and the bulk
path: one query each for any number of SAs, so a chunk of thousands of payments costs what
one payment does.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Q, QuerySet, Sum

from accounts.models import Account, CreditRatingEvent, FinancialTransaction, ServiceAgreement
from cis.bulk import id_in
from cis.money import ZERO, quantize

from .distribution import Debt, SAChoice
from .models import Payment, PaymentEvent, Tender

# Open debt of each SA as of a date: every frozen FT up to the date, credits applied to
# the oldest charges first (DESIGN §2, `accounts.selectors.aging_compute`). What stays
# open is the newest charges adding up to the balance; a window sum from the newest charge
# backwards picks them. The balance as of the date is the cached one less any later FTs
# (usually none), so only SAs that owe something are read, and only their charges.
_CHARGES_SQL = """
SELECT sa_id, due, amount, running, balance FROM (
    SELECT ft.sa_id AS sa_id,
           COALESCE(ft.arrears_date, %s) AS due,
           ft.current_amount AS amount,
           SUM(ft.current_amount) OVER (
               PARTITION BY ft.sa_id
               ORDER BY COALESCE(ft.arrears_date, %s) DESC, ft.id DESC
           ) AS running,
           owing.balance AS balance
    FROM {owing}
    JOIN accounts_financialtransaction ft ON ft.sa_id = owing.id
    WHERE ft.is_frozen AND ft.accounting_date <= %s AND ft.current_amount > 0
) t
WHERE running - amount < balance
"""


def _money(value) -> Decimal:
    # SQLite (the `make run` database) hands back sums as floats.
    return quantize(Decimal(str(value))) if not isinstance(value, Decimal) else value


def sa_balances_as_of(*, sa_ids: Iterable[int], as_of: date) -> dict[int, Decimal]:
    """Each SA's balance as of a date: the cached balance less FTs dated later."""
    ids = id_in(sa_ids)
    balances = dict(ServiceAgreement.objects.filter(pk__in=ids).values_list("pk", "balance"))
    later = (
        FinancialTransaction.objects.filter(
            sa_id__in=ids, is_frozen=True, accounting_date__gt=as_of
        )
        .values("sa_id")
        .annotate(s=Sum("current_amount"))
        .values_list("sa_id", "s")
    )
    for sa_id, amount in later:
        balances[sa_id] -= _money(amount)
    return balances


def sa_open_debts(*, sa_ids: Iterable[int], as_of: date) -> dict[int, dict[date, Decimal]]:
    """{SA id: {due date: open amount}} for the SAs that owe something as of `as_of`."""
    owing = {sa: b for sa, b in sa_balances_as_of(sa_ids=sa_ids, as_of=as_of).items() if b > 0}
    if not owing:
        return {}
    ids = sorted(owing)
    if connection.vendor == "postgresql":
        table = "unnest(%s::bigint[], %s::numeric[]) AS owing(id, balance)"
        params = [ids, [owing[sa] for sa in ids]]
    else:
        values = ", ".join(["(%s, %s)"] * len(ids))
        table = f"(SELECT column1 AS id, column2 AS balance FROM (VALUES {values})) owing"  # noqa: S608
        params = [v for sa in ids for v in (sa, owing[sa])]
    debts: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    with connection.cursor() as cursor:
        cursor.execute(_CHARGES_SQL.format(owing=table), [as_of, as_of, *params, as_of])
        for sa_id, due, amount, running, balance in cursor.fetchall():
            amount, running, balance = _money(amount), _money(running), _money(balance)
            open_amount = min(amount, balance - (running - amount))
            if open_amount > 0:
                due = date.fromisoformat(due) if isinstance(due, str) else due
                debts[sa_id][due] += open_amount
    return {sa: dict(by_due) for sa, by_due in debts.items()}


@dataclass(frozen=True, slots=True)
class SAInfo:
    """An SA as distribution and freeze see it."""

    choice: SAChoice
    account_id: int
    receivable_gl_id: int
    is_deposit: bool

    @property
    def sa_id(self) -> int:
        return self.choice.sa_id


def account_sa_infos(*, account_ids: Iterable[int]) -> dict[int, list[SAInfo]]:
    """{account id: its SAs} (pending start included: they may hold debt of a move-in)."""
    rows = (
        ServiceAgreement.objects.filter(account_id__in=id_in(account_ids))
        .order_by("pk")
        .values_list(
            "pk",
            "account_id",
            "status",
            "sa_type__payment_priority",
            "sa_type__is_overpayment_eligible",
            "sa_type__is_excess_credit",
            "sa_type__is_deposit",
            "sa_type__receivable_gl_id",
        )
    )
    infos: dict[int, list[SAInfo]] = defaultdict(list)
    for pk, account_id, status, priority, eligible, excess, deposit, gl in rows:
        is_open = (
            status != ServiceAgreement.Status.CLOSED
            if excess
            else status == ServiceAgreement.Status.ACTIVE
        )
        choice = SAChoice(pk, priority, eligible, excess, is_open)
        infos[account_id].append(SAInfo(choice, account_id, gl, deposit))
    return dict(infos)


def debts_for(infos: Iterable[SAInfo], open_debts: dict[int, dict[date, Decimal]]) -> list[Debt]:
    return [
        Debt(info.sa_id, info.choice.priority, due, amount)
        for info in infos
        for due, amount in sorted(open_debts.get(info.sa_id, {}).items())
    ]


@dataclass(frozen=True, slots=True)
class AcceptanceInfo:
    number: str
    do_not_accept: bool
    disallowed: frozenset[str]
    cash_only_points: int


def acceptance_infos(*, account_ids: Iterable[int], as_of: date) -> dict[int, AcceptanceInfo]:
    """What decides whether an account may pay, and how (seed 003 step 1.1): the customer's
    do-not-accept flag and disallowed pay methods, and the cash-only score."""
    ids = id_in(account_ids)
    points = dict(
        CreditRatingEvent.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=as_of),
            account_id__in=ids,
            effective_on__lte=as_of,
        )
        .values("account_id")
        .annotate(s=Sum("cash_only_points"))
        .values_list("account_id", "s")
    )
    rows = Account.objects.filter(pk__in=ids).values_list(
        "pk", "number", "customer__do_not_accept_payments", "customer__disallowed_pay_methods"
    )
    return {
        pk: AcceptanceInfo(
            number, bool(refused), frozenset(methods or ()), int(points.get(pk) or 0)
        )
        for pk, number, refused, methods in rows
    }


def event_totals(*, event: PaymentEvent) -> tuple[Decimal, Decimal]:
    """(valid tenders total, live payments total) of an event."""
    tendered = event.tenders.filter(status=Tender.Status.VALID).aggregate(s=Sum("amount"))["s"]
    applied = event.payments.exclude(status=Payment.Status.CANCELLED).aggregate(s=Sum("amount"))[
        "s"
    ]
    return tendered or ZERO, applied or ZERO


def event_unapplied(*, event: PaymentEvent) -> Decimal:
    """Money of the event waiting for a payment (after a payment was cancelled alone)."""
    tendered, applied = event_totals(event=event)
    return tendered - applied


def account_payments(*, account: Account) -> QuerySet[Payment]:
    """An account's payments, newest first, for the Payments tab and the API."""
    return (
        Payment.objects.filter(account=account)
        .select_related("event__tender_source", "cancel_reason", "distribution_code")
        .prefetch_related("segments__sa__sa_type", "event__tenders__tender_type")
        .order_by("-accounting_date", "-pk")
    )


def payment_detail(*, pk: int) -> Payment:
    return (
        Payment.objects.select_related(
            "account__customer",
            "account__location",
            "event__tender_source",
            "cancel_reason",
            "distribution_code",
            "distribution_rule",
        )
        .prefetch_related("segments__sa__sa_type", "event__tenders__tender_type")
        .get(pk=pk)
    )


def event_detail(*, pk: int) -> PaymentEvent:
    return (
        PaymentEvent.objects.select_related("tender_source")
        .prefetch_related(
            "tenders__tender_type",
            "tenders__cancel_reason",
            "payments__segments__sa__sa_type",
            "payments__account",
            "payments__cancel_reason",
        )
        .get(pk=pk)
    )


# Account Control Panel reads (issue 4 item 9) -----------------------------------------


def panel_payments(*, account: Account, limit: int = 200) -> list[Payment]:
    """The Payments tab's rows: the newest `limit` payments, relations prefetched so the
    tab costs the same handful of queries however many payments the account has."""
    return list(account_payments(account=account)[:limit])


def panel_payment_get(*, account: Account, pk: int) -> Payment | None:
    """A payment of this account only: a panel URL never reaches another account's."""
    return (
        Payment.objects.filter(account=account, pk=pk)
        .select_related("event__tender_source", "account")
        .first()
    )


def panel_last_payment(*, account: Account) -> tuple[Payment | None, bool]:
    """(newest frozen payment, whether an incomplete / error payment waits to be posted)."""
    last = (
        Payment.objects.filter(account=account, status=Payment.Status.FROZEN)
        .order_by("-accounting_date", "-pk")
        .only("accounting_date", "amount")
        .first()
    )
    unposted = Payment.objects.filter(
        account=account, status__in=[Payment.Status.INCOMPLETE, Payment.Status.ERROR]
    ).exists()
    return last, unposted


def payee_accounts_by_number(*, numbers: Iterable[str]) -> dict[str, Account]:
    """Payee / transfer accounts the CSR typed, by number (missing ones are absent)."""
    return {a.number: a for a in Account.objects.filter(number__in=set(numbers))}


def panel_tender_source():
    """Payments keyed in the panel come in at the cashier station (seed 003 step 1.1)."""
    from .models import TenderSource

    return TenderSource.objects.get(code="CASHIER")


def payment_balance_after(*, payment: Payment) -> Decimal:
    """The account balance right after this payment was posted (issue 8 item 5: what the
    receipt prints): the frozen ledger up to and including the payment's last pay segment,
    in the History tab's order (accounting date, then pk), so later charges, payments and
    reversals do not change a reprint. A payment with no segment yet: today's balance."""
    from .models import PaySegment

    last = (
        PaySegment.objects.filter(payment=payment, ft__isnull=False)
        .order_by("ft__accounting_date", "ft_id")
        .values_list("ft__accounting_date", "ft_id")
        .last()
    )
    if last is None:
        return Account.objects.values_list("balance", flat=True).get(pk=payment.account_id)
    day, ft_id = last
    total = FinancialTransaction.objects.filter(
        Q(accounting_date__lt=day) | Q(accounting_date=day, pk__lte=ft_id),
        account_id=payment.account_id,
        is_frozen=True,
    ).aggregate(total=Sum("current_amount"))["total"]
    return quantize(total or ZERO)
