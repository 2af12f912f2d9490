"""Payment arrangements (seed 004, Arrangements tab and New Payment Arrangement Wizard;
issue 12 item 5): the wizard's warnings, the schedule, create, delete (cancel) and the
nightly review that marks installments kept or broken.

Rules (each refused with an `ArrangementError`, a 400 in the API):

- the account must have a balance;
- one active arrangement at a time (also the `one_active_arrangement` constraint);
- no unposted transactions: a payment received but not posted (incomplete or in error,
  the panel's "U" mark) or a pending bill on the account;
- at least one service (SA) of the account; the amount above zero and not above the
  balance of the chosen services;
- installments: a number of payments (1 to MAX_INSTALLMENTS) due with regular billing
  (`billing_due_dates`) or weekly / biweekly / monthly from a start date; every payment is
  the amount / count rounded down to the cent, the last one absorbs the rounding, so they
  sum exactly to the amount.

**Protection.** Other parts of delinquency (penalties, shut-off) read "the account is on
an arrangement" as `Arrangement.status == active` (`account_on_arrangement`, the
set-based `accounts_on_arrangement`, `ACTIVE_ARRANGEMENT`): a broken, kept or cancelled
arrangement protects nothing. A broken one records its end in `protects_until`.

**Review** (`arrangements_review`, job `arrangement_review`): for each active arrangement,
what was paid since it was set up (frozen pay segments on its SAs, accounting date on or
after the set-up day, not cancelled) covers its installments in order. An installment the
payments cover is kept; one due on or before the business date minus the policy's
`broken_arrangement_grace_days` and not covered is broken, and so is the arrangement:
a credit rating event of `broken_arrangement_points` that expires after
`broken_arrangement_points_months` months, its other installments cancelled, its
protection ended. All installments kept: the arrangement is kept.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.lock_objects import accounts_lock
from accounts.models import (
    Account,
    Bill,
    ChangeRecord,
    FinancialTransaction,
    Note,
    ServiceAgreement,
)
from accounts.selectors import account_aging
from accounts.services.changes import Scope, changes_record, snapshot
from accounts.services.work import credit_event_add
from cis.errors import DomainError
from cis.money import ZERO, max_amount
from payments.models import Payment

from ..lock_objects import arrangement_qs_select_for_update
from ..models import Arrangement, ArrangementInstallment, DelinquencyPolicy
from ..selectors import PolicyBook, policy_for

MAX_INSTALLMENTS = 60
START_WINDOW_DAYS = 366
CENT = Decimal("0.01")
ACTIVE_ARRANGEMENT = Q(status=Arrangement.Status.ACTIVE)
HISTORY_FIELDS = ("status", "amount", "installments_count", "ended_on", "ended_reason")


class ArrangementError(DomainError):
    """A request an arrangement rule refuses (400)."""


def arrangement_number(pk: int) -> str:
    return f"ARR-{pk:06d}"


def account_on_arrangement(*, account: Account) -> Arrangement | None:
    """The account's active arrangement (the protection test), or None."""
    return Arrangement.objects.filter(ACTIVE_ARRANGEMENT, account=account).first()


def accounts_on_arrangement(*, account_ids=None) -> set[int]:
    """The ids of accounts with an active arrangement, in one query (for the set-based
    penalty and shut-off jobs); all of them when `account_ids` is None."""
    rows = Arrangement.objects.filter(ACTIVE_ARRANGEMENT)
    if account_ids is not None:
        rows = rows.filter(account_id__in=list(account_ids))
    return set(rows.values_list("account_id", flat=True))


# -- the wizard's Warnings step ---------------------------------------------------------


@dataclass(frozen=True)
class ArrangementWarning:
    code: str
    text: str
    blocks: bool


def unposted_transactions(*, account: Account) -> list[str]:
    """What is not yet posted on the account: payments received but not frozen (the
    panel's "U": incomplete or in error) and pending bills."""
    found = []
    payments = Payment.objects.filter(
        account=account, status__in=[Payment.Status.INCOMPLETE, Payment.Status.ERROR]
    ).count()
    if payments:
        found.append(f"{payments} payment{'s' if payments != 1 else ''} not yet posted")
    bills = Bill.objects.filter(account=account, status=Bill.Status.PENDING).count()
    if bills:
        found.append(f"{bills} pending bill{'s' if bills != 1 else ''}")
    return found


def arrangement_warnings(
    *, account: Account, on: dt.date | None = None
) -> list[ArrangementWarning]:
    """Seed 004 Warnings: what stops an arrangement (blocks) and what the CSR should know."""
    on = on or timezone.localdate()
    warnings = []
    if account.balance <= 0:
        warnings.append(
            ArrangementWarning("no_balance", "The account has no balance to arrange.", True)
        )
    active = account_on_arrangement(account=account)
    if active is not None:
        warnings.append(
            ArrangementWarning(
                "active",
                f"Arrangement {active.number} is still active: a new one can be set up once "
                "it is completed.",
                True,
            )
        )
    unposted = unposted_transactions(account=account)
    if unposted:
        warnings.append(
            ArrangementWarning(
                "unposted",
                "Unposted transactions: " + ", ".join(unposted) + ". Post them first.",
                True,
            )
        )
    if account.balance > 0:
        past_due = account_aging(account=account, as_of=on).past_due
        if past_due > 0:
            warnings.append(ArrangementWarning("past_due", f"Past due: ${past_due:,.2f}.", False))
    notes = Note.objects.filter(
        Q(level=Note.Level.ACCOUNT, account=account)
        | Q(level=Note.Level.CUSTOMER, customer_id=account.customer_id),
        Q(show_in_message_center=True) | Q(show_in_payment_center=True),
        Q(expires_on__isnull=True) | Q(expires_on__gte=on),
    ).only("subject")[:5]
    warnings += [ArrangementWarning("note", f"Note: {note.subject}", False) for note in notes]
    broken = Arrangement.objects.filter(
        account=account, status=Arrangement.Status.BROKEN, ended_on__gte=on - relativedelta(years=1)
    ).first()
    if broken is not None:
        warnings.append(
            ArrangementWarning(
                "broken",
                f"Arrangement {broken.number} was broken on {broken.ended_on:%m/%d/%Y}.",
                False,
            )
        )
    return warnings


def arrangement_blockers(*, account: Account, on: dt.date | None = None) -> list[str]:
    return [w.text for w in arrangement_warnings(account=account, on=on) if w.blocks]


# -- Setup: services and schedule -------------------------------------------------------


def arrangement_services(*, account: Account) -> list[ServiceAgreement]:
    """The services an arrangement may cover: the account's SAs that owe something."""
    return list(
        ServiceAgreement.objects.filter(account=account, balance__gt=0)
        .select_related("sa_type")
        .order_by("sa_type__payment_priority", "pk")
    )


def installment_amounts(*, amount: Decimal, count: int) -> list[Decimal]:
    """`count` payments that sum exactly to `amount`: each rounded down to the cent, the
    last one absorbing the rest."""
    if count < 1:
        raise ArrangementError("Enter at least one payment.")
    each = (amount / count).quantize(CENT, rounding=ROUND_DOWN)
    if each <= 0:
        raise ArrangementError(f"{count} payments of less than a cent: enter fewer payments.")
    return [each] * (count - 1) + [amount - each * (count - 1)]


def billing_due_dates(*, account: Account, count: int, after: dt.date) -> list[dt.date]:
    """Due with regular billing: monthly on the account's usual due day (its latest bill's
    due day), the first after `after` (a bill already issued and due later comes first).
    An account without bills: monthly from a month after `after`."""
    upcoming = (
        Bill.objects.filter(account=account, due_date__gt=after)
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    if upcoming is not None:
        first = upcoming
    else:
        latest = (
            Bill.objects.filter(account=account)
            .order_by("-bill_date", "-pk")
            .values_list("due_date", flat=True)
            .first()
        )
        if latest is None:
            first = after + relativedelta(months=1)
        else:
            day = latest.day
            first = after + relativedelta(day=day)
            if first <= after:
                first = after + relativedelta(months=1, day=day)
    return [first + relativedelta(months=i, day=first.day) for i in range(count)]


_STEP = {
    Arrangement.Frequency.WEEKLY: relativedelta(weeks=1),
    Arrangement.Frequency.BIWEEKLY: relativedelta(weeks=2),
}


def due_dates(
    *, account: Account, frequency: str, count: int, start_on: dt.date | None, today: dt.date
) -> list[dt.date]:
    if frequency == Arrangement.Frequency.WITH_BILLING:
        return billing_due_dates(account=account, count=count, after=today)
    if frequency not in Arrangement.Frequency.values:
        raise ArrangementError("Choose a frequency.")
    if start_on is None:
        raise ArrangementError("Enter the start date (the first payment's due date).")
    if start_on < today or start_on > today + dt.timedelta(days=START_WINDOW_DAYS):
        raise ArrangementError("The start date must be from today to a year from today.")
    if frequency == Arrangement.Frequency.MONTHLY:
        return [start_on + relativedelta(months=i) for i in range(count)]
    return [start_on + _STEP[frequency] * i for i in range(count)]


@dataclass(frozen=True)
class Plan:
    """A checked arrangement, not yet saved: what the wizard's Review shows."""

    account: Account
    sas: list[ServiceAgreement]
    services_balance: Decimal
    amount: Decimal
    count: int
    frequency: str
    start_on: dt.date
    schedule: list[tuple[dt.date, Decimal]]
    description: str

    @property
    def remaining(self) -> Decimal:
        return self.account.balance - self.amount

    @property
    def payment(self) -> Decimal:
        return self.schedule[0][1]


def arrangement_plan(
    *,
    account: Account,
    sas,
    amount: Decimal,
    installments_count: int,
    frequency: str,
    start_on: dt.date | None = None,
    description: str = "",
    today: dt.date | None = None,
) -> Plan:
    """Check every rule and build the schedule; raises ArrangementError."""
    today = today or timezone.localdate()
    blockers = arrangement_blockers(account=account, on=today)
    if blockers:
        raise ArrangementError(" ".join(blockers))
    sas = list(sas)
    if not sas:
        raise ArrangementError("Choose at least one service.")
    if any(sa.account_id != account.pk for sa in sas):
        raise ArrangementError("A chosen service is not one of this account's.")
    fresh = {sa.pk: sa for sa in ServiceAgreement.objects.filter(pk__in=[sa.pk for sa in sas])}
    balance = sum((fresh[sa.pk].balance for sa in sas), ZERO)
    if balance <= 0:
        raise ArrangementError("The chosen services have no balance.")
    if amount is None or amount <= 0:
        raise ArrangementError("The arrangement amount must be above zero.")
    if amount > max_amount() or amount.as_tuple().exponent < -2:
        raise ArrangementError("Enter an amount in dollars and cents.")
    if amount > balance:
        raise ArrangementError(
            f"The arrangement amount ${amount:,.2f} is above the chosen services' balance "
            f"${balance:,.2f}."
        )
    if not 1 <= installments_count <= MAX_INSTALLMENTS:
        raise ArrangementError(f"Enter from 1 to {MAX_INSTALLMENTS} payments.")
    amounts = installment_amounts(amount=amount, count=installments_count)
    dates = due_dates(
        account=account,
        frequency=frequency,
        count=installments_count,
        start_on=start_on,
        today=today,
    )
    return Plan(
        account=account,
        sas=[fresh[sa.pk] for sa in sas],
        services_balance=balance,
        amount=amount,
        count=installments_count,
        frequency=frequency,
        start_on=dates[0],
        schedule=list(zip(dates, amounts, strict=True)),
        description=(description or "").strip()[:120],
    )


def _scope(account: Account) -> Scope:
    return Scope(account=account)


@transaction.atomic
def arrangement_create(
    *,
    account: Account,
    sas,
    amount: Decimal,
    installments_count: int,
    frequency: str,
    start_on: dt.date | None = None,
    description: str = "",
    user=None,
    today: dt.date | None = None,
) -> Arrangement:
    """Set up an arrangement (the wizard's Finish): locks the account, checks every rule
    again and saves the arrangement, its installments and a history row."""
    [account] = accounts_lock([account.pk])
    plan = arrangement_plan(
        account=account,
        sas=sas,
        amount=amount,
        installments_count=installments_count,
        frequency=frequency,
        start_on=start_on,
        description=description,
        today=today,
    )
    try:
        with transaction.atomic():
            arrangement = Arrangement.objects.create(
                number=f"tmp-{uuid.uuid4().hex[:16]}",
                account=account,
                description=plan.description,
                balance_at_setup=plan.services_balance,
                amount=plan.amount,
                installments_count=plan.count,
                frequency=plan.frequency,
                start_on=plan.start_on,
                created_by=user if getattr(user, "pk", None) else None,
            )
    except IntegrityError:
        raise ArrangementError("The account has an active arrangement already.") from None
    arrangement.number = arrangement_number(arrangement.pk)
    arrangement.save(update_fields=["number"])
    arrangement.sas.set(plan.sas)
    ArrangementInstallment.objects.bulk_create(
        ArrangementInstallment(arrangement=arrangement, sequence=i, due_on=due, amount=part)
        for i, (due, part) in enumerate(plan.schedule, start=1)
    )
    changes_record(
        instance=arrangement,
        before={},
        user=user,
        scope=_scope(account),
        action=ChangeRecord.Action.CREATED,
    )
    return arrangement


@transaction.atomic
def arrangement_delete(
    *, arrangement: Arrangement, user=None, reason: str = "", today: dt.date | None = None
) -> Arrangement:
    """Delete from the tab: the arrangement is cancelled (kept on record with the reason
    and who), its open installments cancelled, its protection ended today."""
    today = today or timezone.localdate()
    accounts_lock([arrangement.account_id])
    arrangement = arrangement_qs_select_for_update().get(pk=arrangement.pk)
    if arrangement.status != Arrangement.Status.ACTIVE:
        raise ArrangementError(
            f"{arrangement.number} is {arrangement.get_status_display().lower()}: only an "
            "active arrangement can be deleted."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ArrangementError("Enter the reason for deleting the arrangement.")
    before = snapshot(arrangement, HISTORY_FIELDS)
    by = getattr(user, "username", "") or "system"
    arrangement.status = Arrangement.Status.CANCELLED
    arrangement.ended_on = today
    arrangement.protects_until = today
    arrangement.ended_reason = f"Deleted by {by}: {reason}"[:200]
    arrangement.save(update_fields=["status", "ended_on", "protects_until", "ended_reason"])
    arrangement.installments.filter(status=ArrangementInstallment.Status.PENDING).update(
        status=ArrangementInstallment.Status.CANCELLED, reviewed_on=today
    )
    changes_record(
        instance=arrangement, before=before, user=user, scope=_scope(arrangement.account)
    )
    return arrangement


# -- review -----------------------------------------------------------------------------


def _set_up_on(arrangement: Arrangement) -> dt.date:
    return timezone.localdate(arrangement.created_at)


def paid_by_arrangement(arrangements: list[Arrangement]) -> dict[int, Decimal]:
    """What was paid towards each arrangement: frozen, not cancelled pay segments on its
    SAs from its set-up day on. Two queries however many arrangements."""
    if not arrangements:
        return {}
    through = Arrangement.sas.through
    sas_of: dict[int, set[int]] = {}
    for arr_id, sa_id in through.objects.filter(
        arrangement_id__in=[a.pk for a in arrangements]
    ).values_list("arrangement_id", "serviceagreement_id"):
        sas_of.setdefault(arr_id, set()).add(sa_id)
    all_sas = set().union(*sas_of.values()) if sas_of else set()
    since = min(_set_up_on(a) for a in arrangements)
    cancelled = FinancialTransaction.objects.filter(cancels=OuterRef("pk"), is_frozen=True)
    rows = (
        FinancialTransaction.objects.filter(
            kind=FinancialTransaction.Kind.PAY_SEGMENT,
            is_frozen=True,
            sa_id__in=all_sas,
            accounting_date__gte=since,
        )
        .exclude(Exists(cancelled))
        .values_list("sa_id", "accounting_date", "current_amount")
    )
    rows = list(rows)
    paid = {}
    for a in arrangements:
        start, sas = _set_up_on(a), sas_of.get(a.pk, set())
        paid[a.pk] = -sum((amt for sa, day, amt in rows if sa in sas and day >= start), ZERO)
    return paid


def _policy(book: PolicyBook, account: Account) -> DelinquencyPolicy:
    policy = book.get(account.customer.customer_type, account.location.revenue_class_id)
    return policy or DelinquencyPolicy()  # the model's defaults when none is configured


def arrangements_due_for_review(business_date: dt.date):
    """Active arrangements set up on or before the business date."""
    end = timezone.make_aware(dt.datetime.combine(business_date + dt.timedelta(days=1), dt.time()))
    return Arrangement.objects.filter(ACTIVE_ARRANGEMENT, created_at__lt=end)


@dataclass
class ReviewResult:
    reviewed: int = 0
    kept: int = 0
    broken: int = 0
    installments_decided: int = 0
    amount_decided: Decimal = ZERO


def arrangement_review_one(
    *, arrangement: Arrangement, paid: Decimal, policy: DelinquencyPolicy, business_date
) -> tuple[str, int, Decimal]:
    """Review one active arrangement (locked by the caller). Returns (its status after,
    installments decided, their amount). Running it again changes nothing."""
    cutoff = business_date - dt.timedelta(days=policy.broken_arrangement_grace_days)
    installments = list(arrangement.installments.order_by("sequence"))
    due_so_far = ZERO
    decided, decided_amount = 0, ZERO
    broken = None
    changed = []
    for inst in installments:
        due_so_far += inst.amount
        paid_here = min(inst.amount, max(ZERO, paid - (due_so_far - inst.amount)))
        if inst.status == ArrangementInstallment.Status.PENDING:
            if broken is not None:
                inst.status = ArrangementInstallment.Status.CANCELLED
                inst.reviewed_on = business_date
            elif paid >= due_so_far:
                inst.status = ArrangementInstallment.Status.KEPT
                inst.reviewed_on = business_date
                decided, decided_amount = decided + 1, decided_amount + inst.amount
            elif inst.due_on <= cutoff:
                inst.status = ArrangementInstallment.Status.BROKEN
                inst.reviewed_on = business_date
                decided, decided_amount = decided + 1, decided_amount + inst.amount
                broken = (inst, due_so_far)
        if paid_here != inst.paid_amount or inst.reviewed_on == business_date:
            inst.paid_amount = paid_here
            changed.append(inst)
    if changed:
        ArrangementInstallment.objects.bulk_update(
            changed, ["paid_amount", "status", "reviewed_on"]
        )
    before = snapshot(arrangement, HISTORY_FIELDS)
    if broken is not None:
        inst, owed = broken
        arrangement.status = Arrangement.Status.BROKEN
        arrangement.ended_on = business_date
        arrangement.protects_until = business_date
        arrangement.ended_reason = (
            f"Payment {inst.sequence} due {inst.due_on:%m/%d/%Y} not kept: ${paid:,.2f} paid "
            f"of ${owed:,.2f} due"
        )[:200]
        credit_event_add(
            account=arrangement.account,
            reason=f"Broken payment arrangement {arrangement.number}",
            credit_rating_points=policy.broken_arrangement_points,
            effective_on=business_date,
            expires_on=business_date
            + relativedelta(months=policy.broken_arrangement_points_months),
        )
    elif all(i.status == ArrangementInstallment.Status.KEPT for i in installments):
        arrangement.status = Arrangement.Status.KEPT
        arrangement.ended_on = business_date
        arrangement.ended_reason = "Every payment kept"
    else:
        return arrangement.status, decided, decided_amount
    arrangement.save(update_fields=["status", "ended_on", "protects_until", "ended_reason"])
    changes_record(
        instance=arrangement, before=before, user=None, scope=_scope(arrangement.account)
    )
    return arrangement.status, decided, decided_amount


def arrangements_review(*, arrangements: list[Arrangement], business_date: dt.date) -> ReviewResult:
    """Review a chunk of active arrangements (locked by the batch runner)."""
    result = ReviewResult()
    arrangements = list(
        Arrangement.objects.filter(pk__in=[a.pk for a in arrangements], status="active")
        .select_related("account__customer", "account__location")
        .order_by("pk")
    )
    paid = paid_by_arrangement(arrangements)
    book = PolicyBook(on=business_date)
    for arrangement in arrangements:
        status, decided, amount = arrangement_review_one(
            arrangement=arrangement,
            paid=paid[arrangement.pk],
            policy=_policy(book, arrangement.account),
            business_date=business_date,
        )
        result.reviewed += 1
        result.kept += status == Arrangement.Status.KEPT
        result.broken += status == Arrangement.Status.BROKEN
        result.installments_decided += decided
        result.amount_decided += amount
    return result


def account_policy(*, account: Account, on: dt.date) -> DelinquencyPolicy:
    policy = policy_for(
        customer_type=account.customer.customer_type,
        revenue_class_id=account.location.revenue_class_id,
        on=on,
    )
    return policy or DelinquencyPolicy()


# -- demo -------------------------------------------------------------------------------


def demo_arrangement_put(
    *, account: Account, user=None, today: dt.date | None = None, payments: int = 3
) -> Arrangement | None:
    """For the demo: an active arrangement of the account's whole balance over `payments`
    monthly payments from a month after today. None when a rule refuses it (no balance,
    an arrangement already, unposted transactions)."""
    today = today or timezone.localdate()
    sas = arrangement_services(account=account)
    amount = sum((sa.balance for sa in sas), ZERO)
    if not sas or amount <= 0:
        return None
    try:
        return arrangement_create(
            account=account,
            sas=sas,
            amount=amount,
            installments_count=payments,
            frequency=Arrangement.Frequency.MONTHLY,
            start_on=today + relativedelta(months=1),
            description="Demo payment plan",
            user=user,
            today=today,
        )
    except ArrangementError:
        return None
