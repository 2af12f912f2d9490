"""Late charges (issue 12 item 3; README "Delinquency: notices and penalties").

Who is a candidate on a business date: an account past due (any amount) whose oldest open
charge is at least the policy's `penalty_days_after_due` late, with a *penalty bill*: the
latest completed bill due at least that many days ago and not older than the oldest open
charge (so still partly unpaid). One late charge per bill (a partial unique constraint):
the customer who leaves a bill unpaid is charged once for it, and again only for the next
bill that goes as late. Debt that is no bill's (an earlier late charge) is never charged.

A candidate gets one PenaltyDecision for the date (UNIQUE(account, as_of), inserted with
ON CONFLICT DO NOTHING, so a re-run or a concurrent double run charges nothing twice),
skipped with the first reason that holds, in this order:
  no_penalty         No Penalty set and not expired (CreditAttributes.no_penalty_active)
  grace              a customer or account note's grace date is on or after the date
  special_condition  an active special condition (account, customer or location) whose
                     type exempts penalties
  bankrupt           the customer is bankrupt
  arrangement        an active arrangement with no broken installment (when the policy's
                     kept_arrangement_exempts_penalty)
  below_minimum      past due below the policy's minimum_past_due
  cap                the late charges of the last 12 months (is_penalty adjustments, net of
                     cancellations) reached the policy's penalty_cap
A skipped bill is looked at again the next night: No Penalty that expired yesterday lets
the charge through today.

The charge: fixed or percent of the past due, raised to the minimum, lowered to the
maximum, and cut so the 12-month total stays at or below the cap. Posted as an adjustment
of the policy's penalty type on the account's SA with the largest positive balance (the
lowest id on a tie): one FT, through the bulk ledger path.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import (
    Account,
    Adjustment,
    Bill,
    FinancialTransaction,
    GLLine,
    Note,
    ServiceAgreement,
    SpecialCondition,
)
from accounts.services.ledger import Posting, ledger_post_ids
from cis.bulk import (
    bound_cursor,
    bulk_insert,
    bulk_insert_rows,
    bulk_update_rows,
    id_in,
    reserve_ids,
)
from cis.money import ZERO, quantize

from ..models import (
    Arrangement,
    ArrangementInstallment,
    CreditAttributes,
    DelinquencyPolicy,
    PenaltyDecision,
)
from ..selectors import PolicyBook, past_due_accounts

Reason = PenaltyDecision.Reason


def penalty_candidates(*, business_date: dt.date) -> QuerySet[Account]:
    """The accounts the penalty job looks at: owing something, no decision today yet."""
    return Account.objects.filter(balance__gt=0, is_suspense=False).exclude(
        Exists(PenaltyDecision.objects.filter(account_id=OuterRef("pk"), as_of=business_date))
    )


def penalty_amount(policy: DelinquencyPolicy, past_due: Decimal) -> Decimal:
    """The charge the policy asks for on `past_due`, before the cap."""
    if policy.penalty_kind == DelinquencyPolicy.PenaltyKind.FIXED:
        amount = policy.penalty_fixed
    else:
        amount = quantize(past_due * policy.penalty_percent / 100)
    amount = max(amount, policy.penalty_minimum)
    if policy.penalty_maximum is not None:
        amount = min(amount, policy.penalty_maximum)
    return quantize(amount)


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass
class PenaltyOutcome:
    decisions: list[PenaltyDecision] = field(default_factory=list)  # the ones written
    counts: Counter = field(default_factory=Counter)  # reason -> decisions written
    charged: Decimal = ZERO
    not_due: int = 0  # past due but not a candidate tonight


def penalties_assess(
    *, account_ids: list[int], business_date: dt.date, batch_run=None
) -> PenaltyOutcome:
    """Decide and post the late charges due on `business_date` among `account_ids` (the
    caller holds their row locks: the batch job). A fixed number of queries per call."""
    outcome = PenaltyOutcome()
    day = business_date
    rows = past_due_accounts(as_of=day, account_ids=account_ids)
    if not rows:
        return outcome
    book = PolicyBook(on=day)
    ids = [r.account_id for r in rows]
    accounts = {
        a["pk"]: a
        for a in Account.objects.filter(pk__in=id_in(ids)).values(
            "pk",
            "customer_id",
            "location_id",
            "customer__customer_type",
            "customer__is_bankrupt",
            "location__revenue_class_id",
        )
    }
    # Candidates: late enough, with a penalty bill not charged yet.
    policies = {}
    for row in rows:
        a = accounts[row.account_id]
        policy = book.get(a["customer__customer_type"], a["location__revenue_class_id"])
        if policy is not None and row.days_past_due(day) >= policy.penalty_days_after_due:
            policies[row.account_id] = policy
    if not policies:
        outcome.not_due = len(rows)
        return outcome
    latest_due = day - dt.timedelta(days=min(p.penalty_days_after_due for p in policies.values()))
    bills = defaultdict(list)  # account -> [(due, bill id)] newest first
    for account_id, bill_id, due in (
        Bill.objects.filter(
            account_id__in=id_in(policies), status=Bill.Status.COMPLETE, due_date__lte=latest_due
        )
        .order_by("account_id", "-due_date", "-pk")
        .values_list("account_id", "pk", "due_date")
    ):
        bills[account_id].append((due, bill_id))
    charged_bills = set(
        PenaltyDecision.objects.filter(
            account_id__in=id_in(policies), outcome=PenaltyDecision.Outcome.CHARGED
        ).values_list("account_id", "bill_id")
    )
    candidates = []
    for row in rows:
        policy = policies.get(row.account_id)
        if policy is None:
            outcome.not_due += 1
            continue
        limit = day - dt.timedelta(days=policy.penalty_days_after_due)
        bill_id = next(
            (b for due, b in bills[row.account_id] if row.oldest_due <= due <= limit), None
        )
        if bill_id is None or (row.account_id, bill_id) in charged_bills:
            outcome.not_due += 1
            continue
        candidates.append((row, policy, bill_id))
    if not candidates:
        return outcome
    exempt = _exemptions([accounts[r.account_id] for r, _, _ in candidates], day)
    penalised = _penalties_last_year([r.account_id for r, _, _ in candidates], day)
    decisions = []
    for row, policy, bill_id in candidates:
        reason, detail = exempt.get(row.account_id, (None, ""))
        if reason == Reason.ARRANGEMENT and not policy.kept_arrangement_exempts_penalty:
            reason, detail = None, ""
        amount = ZERO
        if reason is None and row.past_due < policy.minimum_past_due:
            reason, detail = Reason.BELOW_MINIMUM, f"minimum {policy.minimum_past_due}"
        if reason is None:
            amount = penalty_amount(policy, row.past_due)
            if policy.penalty_cap is not None:
                room = policy.penalty_cap - penalised.get(row.account_id, ZERO)
                if room < amount:
                    amount = max(room, ZERO)
                    detail = f"cut to the cap of {policy.penalty_cap} over 12 months"
                if amount <= 0:
                    reason = Reason.CAP
                    detail = (
                        f"{penalised.get(row.account_id, ZERO)} charged in 12 months, "
                        f"cap {policy.penalty_cap}"
                    )
        if reason is None and amount <= 0:
            reason, detail = Reason.BELOW_MINIMUM, "the policy's charge is zero"
        charged = reason is None
        decisions.append(
            PenaltyDecision(
                account_id=row.account_id,
                as_of=day,
                outcome=(
                    PenaltyDecision.Outcome.CHARGED if charged else PenaltyDecision.Outcome.SKIPPED
                ),
                reason=Reason.CHARGED if charged else reason,
                detail=detail[:200],
                past_due=row.past_due,
                bill_id=bill_id,
                amount=amount if charged else ZERO,
                policy_id=policy.pk,
                batch_run_id=getattr(batch_run, "pk", None),
            )
        )
    # The charges' adjustment, FT and GL line ids up front (one round trip; none off
    # PostgreSQL): each decision is inserted pointing at its adjustment (the foreign key is
    # checked at commit), so no second write of the decisions. The ids of a decision the
    # constraints refuse stay unused.
    wanted = [d for d in decisions if d.outcome == PenaltyDecision.Outcome.CHARGED]
    ids = reserve_ids(
        {Adjustment: len(wanted), FinancialTransaction: len(wanted), GLLine: 2 * len(wanted)}
    )
    for d, pk in zip(wanted, ids.get(Adjustment) or [], strict=False):
        d.adjustment_id = pk
    written = _decisions_insert(decisions)
    charges = [d for d in written if d.outcome == PenaltyDecision.Outcome.CHARGED]
    _charges_post(
        charges,
        {d.account_id: policies[d.account_id] for d in charges},
        day,
        ids={
            model: pks[: len(charges) * (2 if model is GLLine else 1)] for model, pks in ids.items()
        },
    )
    outcome.decisions = written
    outcome.counts = Counter(d.reason for d in written)
    outcome.charged = sum((d.amount for d in charges), ZERO)
    return outcome


def _exemptions(accounts: list[dict], day: dt.date) -> dict[int, tuple[str, str]]:
    """{account id: (first reason, detail)} for the exempt accounts, in five queries."""
    ids = [a["pk"] for a in accounts]
    customers = {a["customer_id"] for a in accounts}
    locations = {a["location_id"] for a in accounts}
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for account_id, expires in CreditAttributes.objects.filter(
        Q(no_penalty_expires_on__isnull=True) | Q(no_penalty_expires_on__gte=day),
        account_id__in=id_in(ids),
        no_penalty=True,
    ).values_list("account_id", "no_penalty_expires_on"):
        until = f"until {expires:%m/%d/%Y}" if expires else "no expire date"
        found[account_id].append((Reason.NO_PENALTY, until))
    graces: dict[tuple[str, int], dt.date] = {}
    for account_id, customer_id, grace in Note.objects.filter(
        Q(account_id__in=id_in(ids)) | Q(customer_id__in=id_in(customers)), grace_date__gte=day
    ).values_list("account_id", "customer_id", "grace_date"):
        key = ("a", account_id) if account_id else ("c", customer_id)
        graces[key] = max(grace, graces.get(key, grace))
    conditions: dict[tuple[str, int], str] = {}
    for account_id, customer_id, location_id, code in (
        SpecialCondition.objects.filter(
            Q(account_id__in=id_in(ids))
            | Q(customer_id__in=id_in(customers))
            | Q(location_id__in=id_in(locations)),
            Q(expires_on__isnull=True) | Q(expires_on__gte=day),
            is_active=True,
            effective_on__lte=day,
            condition_type__exempts_penalty=True,
        )
        .order_by("pk")
        .values_list("account_id", "customer_id", "location_id", "condition_type__code")
    ):
        if account_id:
            conditions.setdefault(("a", account_id), f"{code} on the account")
        elif customer_id:
            conditions.setdefault(("c", customer_id), f"{code} on the customer")
        else:
            conditions.setdefault(("l", location_id), f"{code} on the location")
    kept = dict(
        Arrangement.objects.filter(account_id__in=id_in(ids), status=Arrangement.Status.ACTIVE)
        .exclude(
            Exists(
                ArrangementInstallment.objects.filter(
                    arrangement=OuterRef("pk"), status=ArrangementInstallment.Status.BROKEN
                )
            )
        )
        .values_list("account_id", "number")
    )
    for a in accounts:
        pk = a["pk"]
        grace = max(
            (d for d in (graces.get(("a", pk)), graces.get(("c", a["customer_id"]))) if d),
            default=None,
        )
        if grace:
            found[pk].append((Reason.GRACE, f"grace date {grace:%m/%d/%Y}"))
        condition = (
            conditions.get(("a", pk))
            or conditions.get(("c", a["customer_id"]))
            or conditions.get(("l", a["location_id"]))
        )
        if condition:
            found[pk].append((Reason.SPECIAL_CONDITION, condition))
        if a["customer__is_bankrupt"]:
            found[pk].append((Reason.BANKRUPT, ""))
        if pk in kept:
            found[pk].append((Reason.ARRANGEMENT, f"arrangement {kept[pk]}"))
    order = [
        Reason.NO_PENALTY,
        Reason.GRACE,
        Reason.SPECIAL_CONDITION,
        Reason.BANKRUPT,
        Reason.ARRANGEMENT,
    ]
    # The first reason that holds (an arrangement is last: the policy may not count it).
    return {pk: min(reasons, key=lambda r: order.index(r[0])) for pk, reasons in found.items()}


def _penalties_last_year(account_ids: list[int], day: dt.date) -> dict[int, Decimal]:
    """Late charges (is_penalty adjustments, less their cancellations) of the 12 months up
    to `day`, per account."""
    return dict(
        FinancialTransaction.objects.filter(
            account_id__in=account_ids,
            kind__in=[
                FinancialTransaction.Kind.ADJUSTMENT,
                FinancialTransaction.Kind.ADJUSTMENT_CANCEL,
            ],
            adjustment__adjustment_type__is_penalty=True,
            accounting_date__gt=_year_before(day),
            accounting_date__lte=day,
        )
        .values("account_id")
        .annotate(total=Sum("current_amount"))
        .values_list("account_id", "total")
    )


_COLUMNS = (
    "account_id",
    "as_of",
    "outcome",
    "reason",
    "detail",
    "past_due",
    "bill_id",
    "amount",
    "policy_id",
    "batch_run_id",
    "adjustment_id",
)
_TYPES = (
    "bigint",
    "date",
    "text",
    "text",
    "text",
    "numeric",
    "bigint",
    "numeric",
    "bigint",
    "bigint",
    "bigint",
)


def _decisions_insert(decisions: list[PenaltyDecision]) -> list[PenaltyDecision]:
    """Insert the decisions, leaving out any the constraints refuse (another run got there
    first: same account and date, or the bill charged already). Returns those written,
    with their ids."""
    if not decisions:
        return []
    if connection.vendor != "postgresql":
        written = []
        for d in decisions:
            try:
                with transaction.atomic():
                    d.save()
                written.append(d)
            except IntegrityError:
                continue
        return written
    table = PenaltyDecision._meta.db_table
    arrays = [[getattr(d, c) for d in decisions] for c in _COLUMNS]
    unnest = ", ".join(f"%s::{t}[]" for t in _TYPES)
    with bound_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_COLUMNS)}) "  # noqa: S608
            f"SELECT * FROM unnest({unnest}) "
            "ON CONFLICT DO NOTHING RETURNING id, account_id",
            arrays,
        )
        ids = {account_id: pk for pk, account_id in cursor.fetchall()}
    written = []
    for d in decisions:
        if d.account_id in ids:
            d.pk = ids[d.account_id]
            d._state.adding = False
            written.append(d)
    return written


def _charges_post(
    charges: list[PenaltyDecision],
    policies: dict[int, DelinquencyPolicy],
    day: dt.date,
    ids: dict | None = None,
) -> None:
    """The adjustments and their FTs, in bulk; each decision then points at its
    adjustment. `ids`: the adjustments', FTs' and GL lines' ids reserved already, the
    decisions carrying their adjustment's (PostgreSQL); without them the adjustments take
    their ids as they are inserted and the decisions are updated after."""
    if not charges:
        return
    sas: dict[int, tuple[int, int]] = {}  # account -> (sa id, receivable GL)
    for account_id, sa_id, receivable in (
        ServiceAgreement.objects.filter(account_id__in=id_in(d.account_id for d in charges))
        .order_by("account_id", "-balance", "pk")
        .values_list("account_id", "pk", "sa_type__receivable_gl_id")
    ):
        sas.setdefault(account_id, (sa_id, receivable))
    reserved = bool(ids and ids.get(Adjustment))
    reasons = [f"Late charge {day:%m/%d/%Y} on {d.past_due} past due" for d in charges]
    if reserved:
        now = timezone.now()
        adjustment_ids = [d.adjustment_id for d in charges]
        bulk_insert_rows(
            Adjustment,
            _ADJUSTMENT_FIELDS,
            [
                (
                    sas[d.account_id][0],
                    policies[d.account_id].penalty_adjustment_type_id,
                    d.amount,
                    Adjustment.Status.FROZEN.value,
                    reason,
                    "",
                    None,
                    now,
                )
                for d, reason in zip(charges, reasons, strict=True)
            ],
            ids=adjustment_ids,
        )
    else:
        adjustments = [
            Adjustment(
                sa_id=sas[d.account_id][0],
                adjustment_type=policies[d.account_id].penalty_adjustment_type,
                amount=d.amount,
                reason=reason,
            )
            for d, reason in zip(charges, reasons, strict=True)
        ]
        bulk_insert(Adjustment, adjustments)
        adjustment_ids = [a.pk for a in adjustments]
    postings = []
    for d, adjustment_id in zip(charges, adjustment_ids, strict=True):
        kind = policies[d.account_id].penalty_adjustment_type
        sa_id, receivable = sas[d.account_id]
        postings.append(
            Posting(
                sa_id=sa_id,
                account_id=d.account_id,
                receivable_gl_id=receivable,
                offset_gl_id=kind.offset_gl_id,
                kind=FinancialTransaction.Kind.ADJUSTMENT,
                amount=d.amount,
                accounting_date=day,
                arrears_date=day,
                description=kind.description,
                adjustment_id=adjustment_id,
            )
        )
        d.adjustment_id = adjustment_id
    if reserved:
        ledger_post_ids(postings=postings, ft_ids=ids[FinancialTransaction], gl_ids=ids[GLLine])
    else:
        ledger_post_ids(postings=postings)
        bulk_update_rows(PenaltyDecision, charges, ["adjustment"])


_ADJUSTMENT_FIELDS = (
    "sa_id",
    "adjustment_type_id",
    "amount",
    "status",
    "reason",
    "cancel_reason",
    "created_by_id",
    "created_at",
)


def penalty_counts(batch_run) -> dict[str, int]:
    """{reason: decisions} of a run: what the BatchRun counted, by reason."""
    return dict(
        PenaltyDecision.objects.filter(batch_run=batch_run)
        .values("reason")
        .annotate(n=Count("pk"))
        .values_list("reason", "n")
    )
