"""Autopay at bill completion and on the extract date (seed 001 steps 1.6-2.9).

`bills_autopay_evaluate` takes completed bills (thousands at once, a constant number of
queries): for each bill of an account with an enrollment in effect on the bill date it
decides eligibility (1.7), the amount (1.8) and its cut to the maximum withdrawal with a
To Do (1.9-2.0), the dates (2.2), then by `OPENCIS_AUTOPAY_CREATE_AT`:
- ``extract_date`` (default): a pending clearing, the autopay stored on the bill (2.8),
  which `clearings_create_due` fixes on the extract date (2.9);
- ``bill_completion``: the clearing is created and its payment distributed and frozen at
  once (2.3-2.7), through the same posting service as the distribute job.
Each bill evaluated gets a BillAutopayCheck row (what it drafted, or why not): a bill is
evaluated once, whoever delivers it (the receiver, a redelivery, the nightly sweep).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum

from accounts.lock_objects import account_qs_select_for_update
from accounts.models import Account, Bill, BillSegment, Demographic, ServiceAgreement
from accounts.services.work import todos_create
from accounts.statements import statement_amounts_due
from cis.bulk import bulk_insert, id_in
from cis.money import ZERO
from payments.models import TenderType
from payments.selectors import acceptance_infos_on
from payments.services.acceptance import acceptance_problems

from ..models import BillAutopayCheck, Clearing, Enrollment
from .amounts import AutopayAmount, autopay_amount, max_withdrawal
from .dates import AutopayDates, autopay_dates
from .posting import PostResult, clearing_source, clearings_post
from .states import clearings_move

Status = Clearing.Status
Option = Enrollment.AmountOption
Outcome = BillAutopayCheck.Outcome
TODO_MAX = "AUTOPAYMAX"
CREATE_AT_BILL = "bill_completion"
CREATE_AT_EXTRACT = "extract_date"
# Clearings not yet posted: their amounts are owed already, not yet paid in the ledger.
UNPOSTED = (Status.PENDING, Status.CREATED)


def create_at() -> str:
    value = getattr(settings, "OPENCIS_AUTOPAY_CREATE_AT", CREATE_AT_EXTRACT) or CREATE_AT_EXTRACT
    if value not in (CREATE_AT_BILL, CREATE_AT_EXTRACT):
        raise ValueError(
            f"OPENCIS_AUTOPAY_CREATE_AT must be {CREATE_AT_EXTRACT} or {CREATE_AT_BILL}"
        )
    return value


@dataclass
class EvaluateResult:
    clearing_ids: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # bill id: why nothing drafted
    reduced: list[int] = field(default_factory=list)  # clearing ids cut to the maximum
    posted: PostResult | None = None


# -- reads, each one query for the whole call ---------------------------------------------


def eligible_balances(*, account_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each account owes on SAs whose type autopay may pay (seed 001 step 1.7)."""
    return dict(
        ServiceAgreement.objects.filter(
            account_id__in=id_in(account_ids), sa_type__is_autopay_eligible=True
        )
        .order_by()
        .values("account_id")
        .annotate(total=Sum("balance"))
        .values_list("account_id", "total")
    )


def unposted_amounts(
    *, account_ids: Iterable[int], exclude_ids: Iterable[int] = ()
) -> dict[int, Decimal]:
    """Autopay amounts of each account already promised (pending / created clearings) but
    not yet in the ledger: a second bill before the first is drafted must not draft the
    same balance twice."""
    return dict(
        Clearing.objects.filter(account_id__in=id_in(account_ids), status__in=UNPOSTED)
        .exclude(pk__in=list(exclude_ids))
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )


def budget_amounts(*, account_ids: Iterable[int], on: dt.date) -> dict[int, Decimal]:
    """`accounts.selectors.account_budget_amount` for many accounts (two queries)."""
    ids = list(account_ids)
    if not ids:
        return {}
    code = getattr(settings, "OPENCIS_BUDGET_DEMOGRAPHIC_ITEM", "BUDGET")
    rows = (
        Demographic.objects.filter(account_id__in=id_in(ids), item__code=code)
        .select_related("item")
        .prefetch_related("variances")
        .order_by("pk")
    )
    out: dict[int, Decimal] = {}
    for demographic in rows:
        out.setdefault(demographic.account_id, demographic.effective_value(on))
    return out


def _bill_eligible_totals(bill_ids: Iterable[int]) -> dict[int, tuple[Decimal, int]]:
    """{bill id: (charges on autopay-eligible SAs, how many)}."""
    return {
        bill_id: (total or ZERO, count)
        for bill_id, total, count in BillSegment.objects.filter(
            bill_id__in=id_in(bill_ids), sa__sa_type__is_autopay_eligible=True
        )
        .order_by()
        .values("bill_id")
        .annotate(total=Sum("amount"), n=Count("pk"))
        .values_list("bill_id", "total", "n")
    }


def tender_categories() -> dict[str, str]:
    """{enrollment kind: tender category of its autopay tender}."""
    by_code = dict(
        TenderType.objects.filter(code__in=["ACH", "CARD"]).values_list("code", "category")
    )
    return {Enrollment.Kind.DRAFT: by_code["ACH"], Enrollment.Kind.CARD: by_code["CARD"]}


# -- decisions ------------------------------------------------------------------------------


def enrollment_refusal(
    *, enrollment: Enrollment, customer_type: str, acceptance, category: str
) -> str:
    """Why this enrollment may not draft (seed 001 step 1.7), "" when it may."""
    allowed = getattr(settings, "OPENCIS_AUTOPAY_CUSTOMER_TYPES", []) or []
    if allowed and customer_type not in allowed:
        return f"customer type {customer_type} is not eligible for autopay"
    if enrollment.stopped_on is not None:
        return f"autopay stopped on {enrollment.stopped_on:%m/%d/%Y}"
    if acceptance is None:
        return "account not found"
    problems = acceptance_problems(infos=[acceptance], payees=[acceptance], categories={category})
    return " ".join(problems)


def _running(enrollments: list[Enrollment], day: dt.date) -> Enrollment | None:
    return next((e for e in enrollments if e.is_running_on(day)), None)


@dataclass
class _Bill:
    pk: int
    account_id: int
    bill_date: dt.date
    due_date: dt.date


def _bills_to_evaluate(bill_ids: Sequence[int]) -> list[_Bill]:
    """Completed bills not evaluated yet and without a clearing (a redelivery, or a bill
    a CSR's clearing already pays, is left alone). Per account only the newest bill
    drafts: two bills delivered together would otherwise draft one balance twice."""
    ids = id_in(bill_ids)
    rows = (
        Bill.objects.filter(pk__in=ids, status=Bill.Status.COMPLETE)
        .exclude(pk__in=BillAutopayCheck.objects.filter(bill_id__in=ids).values("bill_id"))
        .exclude(pk__in=Clearing.objects.filter(bill_id__in=ids).values("bill_id"))
        .order_by("pk")
        .values_list("pk", "account_id", "bill_date", "due_date")
    )
    return [_Bill(*row) for row in rows]


def _superseded(bill_ids: Iterable[int]) -> set[int]:
    """Bills with a newer completed bill of their account: the newer one drafts (a late
    delivery of an old bill must not draft the balance the newer bill drafted)."""
    newer = Bill.objects.filter(
        account_id=OuterRef("account_id"), status=Bill.Status.COMPLETE
    ).filter(
        Q(bill_date__gt=OuterRef("bill_date"))
        | Q(bill_date=OuterRef("bill_date"), pk__gt=OuterRef("pk"))
    )
    return set(
        Bill.objects.filter(Exists(newer), pk__in=id_in(bill_ids)).values_list("pk", flat=True)
    )


@transaction.atomic
def bills_autopay_evaluate(
    *, bill_ids: Sequence[int], today: dt.date | None = None, user=None
) -> EvaluateResult:
    """Autopay for completed bills (module docstring). `today`: the day the evaluation
    happens when later than the bill date (the sweep's business date); dates are computed
    from the later of the two."""
    result = EvaluateResult()
    account_ids = set(
        Bill.objects.filter(pk__in=id_in(bill_ids)).values_list("account_id", flat=True)
    )
    by_account: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in Enrollment.objects.filter(account_id__in=id_in(account_ids)).order_by("-pk"):
        by_account[enrollment.account_id].append(enrollment)
    if not by_account:
        return result
    # Lock order: accounts first (the posting below locks them again, in the same order).
    list(account_qs_select_for_update().filter(pk__in=id_in(by_account)).values_list("pk"))
    bills = [b for b in _bills_to_evaluate(bill_ids) if b.account_id in by_account]
    if not bills:
        return result
    plans, checks = _plan(bills, by_account, today, result)
    # COPY (cis.bulk) rather than bulk_create: half the evaluation's time at 500 bills.
    bulk_insert(Clearing, plans)
    clearings = plans
    for clearing in clearings:
        result.clearing_ids.append(clearing.pk)
        checks.append(
            BillAutopayCheck(
                bill_id=clearing.bill_id,
                enrollment_id=clearing.enrollment_id,
                clearing=clearing,
                outcome=Outcome.DRAFTED,
            )
        )
    bulk_insert(BillAutopayCheck, checks)
    _max_todos_raise([c for c in clearings if c.reduced_from is not None], result)
    if clearings and create_at() == CREATE_AT_BILL:
        result.posted = clearings_post(clearings=clearings, user=user)
    return result


@dataclass
class _Facts:
    """Everything the decisions need about a call's bills, read in a fixed number of
    queries whatever their number."""

    by_account: dict[int, list[Enrollment]]
    customer_types: dict[int, str]
    acceptance: dict[dt.date, dict]
    categories: dict[str, str]
    balances: dict[int, Decimal]
    promised: dict[int, Decimal]
    eligible: dict[int, tuple[Decimal, int]]
    budgets: dict[int, Decimal]
    statements: dict[int, Decimal]  # bill id: its statement's amount due (required option)
    drafting: set[int]  # per account, its newest bill, unless a newer one is completed

    @classmethod
    def load(cls, bills: list[_Bill], by_account: dict[int, list[Enrollment]]) -> "_Facts":
        account_ids = {b.account_id for b in bills}
        days: dict[dt.date, set[int]] = defaultdict(set)
        for b in bills:
            days[b.bill_date].add(b.account_id)
        required = {
            a for a in account_ids if any(e.amount_option == Option.REQUIRED for e in by_account[a])
        }
        newest = {b.account_id: b.pk for b in sorted(bills, key=lambda b: (b.bill_date, b.pk))}
        return cls(
            by_account=by_account,
            customer_types=dict(
                Account.objects.filter(pk__in=id_in(account_ids)).values_list(
                    "pk", "customer__customer_type"
                )
            ),
            acceptance=acceptance_infos_on(account_ids_by_day=days),
            categories=tender_categories(),
            balances=eligible_balances(account_ids=account_ids),
            promised=unposted_amounts(account_ids=account_ids),
            eligible=_bill_eligible_totals([b.pk for b in bills]),
            budgets=budget_amounts(account_ids=required, on=max(b.bill_date for b in bills)),
            # Only the newest bill of an account drafts, so its statement is the latest.
            statements=statement_amounts_due(
                bill_ids=[b.pk for b in bills if b.account_id in required]
            ),
            drafting=set(newest.values()) - _superseded(newest.values()),
        )

    def refusal(self, bill: _Bill, enrollment: Enrollment) -> str:
        refusal = enrollment_refusal(
            enrollment=enrollment,
            customer_type=self.customer_types.get(bill.account_id, ""),
            acceptance=self.acceptance[bill.bill_date].get(bill.account_id),
            category=self.categories[enrollment.kind],
        )
        if not refusal and not self.eligible.get(bill.pk, (ZERO, 0))[1]:
            refusal = "no charge of the bill is on an SA type autopay may pay"
        return refusal

    def amount(self, bill: _Bill, enrollment: Enrollment) -> AutopayAmount:
        owed = self.balances.get(bill.account_id, ZERO) - self.promised.get(bill.account_id, ZERO)
        return autopay_amount(
            option=enrollment.amount_option,
            amount=enrollment.amount,
            balance=owed,
            statement_balance=self.statements.get(bill.pk),
            budget_amount=self.budgets.get(bill.account_id),
            limit=max_withdrawal(),
        )


def _plan(
    bills: list[_Bill],
    by_account: dict[int, list[Enrollment]],
    today: dt.date | None,
    result: EvaluateResult,
) -> tuple[list[Clearing], list[BillAutopayCheck]]:
    """The clearings to create and the checks of bills that draft nothing."""
    facts = _Facts.load(bills, by_account)
    initial = Status.CREATED if create_at() == CREATE_AT_BILL else Status.PENDING
    plans, checks = [], []
    dates: dict[tuple, AutopayDates] = {}  # a chunk's bills share a few due dates

    def skip(bill: _Bill, outcome: str, reason: str, enrollment=None) -> None:
        result.skipped[bill.pk] = reason
        checks.append(
            BillAutopayCheck(bill_id=bill.pk, enrollment=enrollment, outcome=outcome, reason=reason)
        )

    for bill in bills:
        enrollment = _running(by_account[bill.account_id], bill.bill_date)
        if enrollment is None:
            skip(bill, Outcome.INELIGIBLE, "no autopay in effect on the bill date")
            continue
        refusal = facts.refusal(bill, enrollment)
        if refusal:
            skip(bill, Outcome.INELIGIBLE, refusal, enrollment)
            continue
        if bill.pk not in facts.drafting:
            skip(bill, Outcome.NOTHING, "a later bill of the account drafts", enrollment)
            continue
        amount = facts.amount(bill, enrollment)
        if not amount.drafts:
            skip(bill, Outcome.NOTHING, amount.reason or "nothing to draft", enrollment)
            continue
        on = max(bill.bill_date, today) if today else bill.bill_date
        key = (bill.due_date, on, enrollment.notify_in_advance)
        if key not in dates:
            dates[key] = autopay_dates(due_on=key[0], today=key[1], notify_in_advance=key[2])
        plans.append(_clearing(enrollment, bill, amount, dates[key], initial))
    return plans, checks


def _clearing(
    enrollment: Enrollment, bill: _Bill, amount: AutopayAmount, dates: AutopayDates, status: str
) -> Clearing:
    return Clearing(
        enrollment=enrollment,
        account_id=bill.account_id,
        bill_id=bill.pk,
        kind=enrollment.kind,
        status=status,
        amount=amount.amount,
        reduced_from=amount.reduced_from,
        extract_on=dates.extract_on,
        gl_distribution_on=dates.gl_distribution_on,
        payment_on=dates.payment_on,
        # Reg E 1005.10(d): only an amount that varies needs the advance notice.
        notice_due=enrollment.notify_in_advance and enrollment.amount_option != Option.FIXED,
    )


def _max_todos_raise(clearings: Sequence[Clearing], result: EvaluateResult) -> None:
    """seed 001 step 2.0: the amount was cut to the maximum withdrawal; a CSR resolves it."""
    result.reduced += [c.pk for c in clearings]
    todos_create(
        type_code=TODO_MAX,
        subject="Autopay reduced to the maximum withdrawal",
        entries=[
            {
                "account_id": c.account_id,
                "detail": f"Autopay {c.pk}: {c.reduced_from} owed, {c.amount} will be drafted "
                f"on {c.extract_on:%m/%d/%Y} (the maximum withdrawal).",
                "source": clearing_source(c.pk),
            }
            for c in clearings
        ],
    )


# -- the create job (seed 001 step 2.9) ------------------------------------------------------


@dataclass
class CreateResult:
    created: list[int] = field(default_factory=list)
    cancelled: dict[int, str] = field(default_factory=dict)
    money: Decimal = ZERO


@transaction.atomic
def clearings_create_due(*, clearings: Sequence[Clearing], business_date: dt.date) -> CreateResult:
    """Fix pending clearings (locked by the caller) on their extract date: the balance and
    maximum options draft what is owed that day (seed 001 step 1.8: the amount is computed
    again by the create process), which a payment since the bill may have lowered; nothing
    owed, or the autopay stopped since, cancels the clearing. Fixed and required amounts
    stay as the bill set them."""
    result = CreateResult()
    clearings = sorted(clearings, key=lambda c: c.pk)
    if not clearings:
        return result
    account_ids = {c.account_id for c in clearings}
    enrollments = Enrollment.objects.in_bulk({c.enrollment_id for c in clearings})
    balances = eligible_balances(account_ids=account_ids)
    promised = unposted_amounts(account_ids=account_ids, exclude_ids=[c.pk for c in clearings])
    changed, newly_reduced = [], []
    for clearing in clearings:
        owed = balances.get(clearing.account_id, ZERO) - promised.get(clearing.account_id, ZERO)
        refusal, amount = _due_amount(enrollments[clearing.enrollment_id], owed, business_date)
        if refusal:
            clearing.cancel_comment = refusal
            result.cancelled[clearing.pk] = refusal
            continue
        if amount is not None and (amount.amount, amount.reduced_from) != (
            clearing.amount,
            clearing.reduced_from,
        ):
            if amount.reduced_from is not None and clearing.reduced_from is None:
                newly_reduced.append(clearing)
            clearing.amount, clearing.reduced_from = amount.amount, amount.reduced_from
            changed.append(clearing)
        # Two clearings of one account in a chunk: the second sees the first's amount.
        promised[clearing.account_id] = promised.get(clearing.account_id, ZERO) + clearing.amount
        result.created.append(clearing.pk)
        result.money += clearing.amount
    _create_due_write(clearings, result, changed)
    _max_todos_raise(newly_reduced, EvaluateResult())
    return result


def _due_amount(
    enrollment: Enrollment, owed: Decimal, business_date: dt.date
) -> tuple[str, AutopayAmount | None]:
    """(why the clearing is cancelled, or ""; its new amount, None to keep it)."""
    if enrollment.stopped_on is not None and enrollment.stopped_on <= business_date:
        return f"Autopay stopped on {enrollment.stopped_on:%m/%d/%Y}.", None
    if enrollment.amount_option not in (Option.BALANCE, Option.MAXIMUM):
        return "", None
    amount = autopay_amount(
        option=enrollment.amount_option,
        amount=enrollment.amount,
        balance=owed,
        statement_balance=None,
        limit=max_withdrawal(),
    )
    return ("", amount) if amount.drafts else ("Nothing owed on the extract date.", None)


def _create_due_write(
    clearings: Sequence[Clearing], result: CreateResult, changed: list[Clearing]
) -> None:
    Clearing.objects.bulk_update(changed, ["amount", "reduced_from"])
    cancelled = [c for c in clearings if c.pk in result.cancelled]
    Clearing.objects.bulk_update(cancelled, ["cancel_comment"])
    pending = [Status.PENDING]
    clearings_move(ids=result.created, sources=pending, target=Status.CREATED, transition="create")
    clearings_move(
        ids=list(result.cancelled), sources=pending, target=Status.CANCELLED, transition="cancel"
    )
