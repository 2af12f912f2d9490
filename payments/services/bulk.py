"""The bulk path: thousands of payments distributed and frozen at once with a constant
number of queries per accounting date in a chunk (uploads and autopay post 100,000 a night
through here; so does the demo).

It makes the same decisions as the online path, through the same functions: acceptance
(`acceptance_problems`), distribution (`segments_plan`), postings (`segment_postings`).
Rows are written as plain tuples with COPY; model `full_clean` is replaced by the checks
below and the database constraints.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django_fsm_log.models import StateLog

from accounts.lock_objects import account_qs_select_for_update
from accounts.models import FinancialTransaction, GLLine
from accounts.services.ledger import ledger_post_ids
from cis.bulk import bound_cursor, bulk_insert_rows, id_in, reserve_ids, state_logs_insert
from cis.money import max_amount, quantize
from cis.validators import CARD_NUMBER_MESSAGE, looks_like_card_number

from ..distribution import DistributionAlgorithm
from ..exceptions import PaymentError
from ..lock_objects import tender_control_qs_select_for_update
from ..models import (
    ControlStatus,
    DistributionRule,
    Payment,
    PaymentEvent,
    PaySegment,
    Tender,
    TenderSource,
    TenderType,
)
from ..selectors import AcceptanceInfo, acceptance_infos_on
from .acceptance import acceptance_problems, cash_only_threshold
from .deferred import FrozenPayment, deferred_charges_apply
from .distribution import match_sa_id
from .freeze import frozen_announce, payment_description
from .planning import PlanIn, Rules, segment_postings, segments_plan_days


@dataclass(frozen=True, slots=True)
class BulkPayment:
    """One payment of one tender to one account, ids only (the shape of an upload row,
    an autopay clearing record or a processor file line)."""

    account_id: int
    amount: Decimal
    tender_type_id: int
    accounting_date: date
    payment_date: date | None = None
    payor_account_id: int | None = None
    tender_control_id: int | None = None
    check_number: str = ""
    processor_token: str = ""
    last4: str = ""
    external_id: str = ""
    match_value: str = ""
    distribution_rule_id: int | None = None
    # Each item's event comes through this source; None takes the call's `tender_source`.
    tender_source_id: int | None = None


@dataclass
class BulkResult:
    """Per item (same order): the payment id, or None when refused. `errors` by item index:
    refusals (nothing saved) and distribution failures (saved in Error)."""

    payment_ids: list[int | None]
    errors: dict[int, str] = field(default_factory=dict)
    frozen_ids: list[int] = field(default_factory=list)
    frozen_account_ids: list[int] = field(default_factory=list)

    @property
    def frozen(self) -> int:
        return len(self.frozen_ids)


_EVENT_FIELDS = (
    "payment_date",
    "tender_source_id",
    "is_check_cashing",
    "external_id",
    "comments",
    "created_by_id",
    "created_at",
)
_TENDER_FIELDS = (
    "event_id",
    "tender_type_id",
    "tender_control_id",
    "amount",
    "payor_account_id",
    "check_number",
    "processor_token",
    "last4",
    "external_id",
    "status",
    "cancel_comment",
    "created_at",
)
_PAYMENT_FIELDS = (
    "event_id",
    "account_id",
    "amount",
    "status",
    "accounting_date",
    "distribution_rule_id",
    "match_value",
    "error_message",
    "frozen_at",
    "cancel_comment",
    "payer_name",
    "comments",
    "created_by_id",
    "created_at",
)
_SEGMENT_FIELDS = ("payment_id", "sa_id", "amount", "is_overpayment", "debt_due_date", "ft_id")


@transaction.atomic
def payments_post_bulk(
    *,
    items: Sequence[BulkPayment],
    tender_source: TenderSource | None = None,
    user=None,
    log_transitions: bool = True,
) -> BulkResult:
    """Create, distribute and freeze a chunk of payments. Items are processed by accounting
    date, oldest first, so a payment sees the debt left by earlier ones.

    `log_transitions` writes the freeze transition of each payment to the django-fsm-log
    history, as the online path does (the demo generator leaves it out).
    """
    result = BulkResult(payment_ids=[None] * len(items))
    if not items:
        return result
    _static_check(items)
    _accounts_lock(
        {i.account_id for i in items} | {i.payor_account_id for i in items if i.payor_account_id}
    )
    ctx = _Context.load(items, tender_source, user, log_transitions)
    order = sorted(range(len(items)), key=lambda n: items[n].accounting_date)
    _post(ctx, order, items, result)
    frozen_announce(payment_ids=result.frozen_ids, account_ids=result.frozen_account_ids)
    return result


def _accounts_lock(account_ids: set[int]) -> None:
    """`accounts_lock` without building the Account instances nobody here reads."""
    list(account_qs_select_for_update().filter(pk__in=id_in(account_ids)).values_list("pk"))


def _static_check(items: Sequence[BulkPayment]) -> None:
    bad = [n for n, i in enumerate(items) if i.amount <= 0 or quantize(i.amount) != i.amount]
    if bad:
        raise PaymentError(f"bulk item {bad[0]}: amounts must be positive, in cents")


@dataclass
class _Context:
    sources: dict[int, TenderSource]
    default_source_id: int | None
    user_id: int | None
    log: bool
    rules: Rules
    categories: dict[int, str]
    algorithms: dict[int, str]
    now: object

    @classmethod
    def load(cls, items, source, user, log) -> "_Context":
        default = source.pk if source else None
        if any(i.tender_source_id is None for i in items) and default is None:
            raise PaymentError("bulk items without a tender source need the call's source")
        wanted = {i.tender_source_id or default for i in items}
        sources = TenderSource.objects.in_bulk(wanted)
        if len(sources) != len(wanted):
            raise PaymentError(f"unknown tender source among {sorted(wanted)}")
        pairs = {(i.tender_control_id, i.tender_source_id or default) for i in items}
        # Locked (after the accounts) so no control starts balancing while this chunk puts
        # tenders in it: a balancing or balanced control's figures are final.
        controls = {
            c.pk: c
            for c in tender_control_qs_select_for_update().filter(pk__in={c for c, _ in pairs if c})
        }
        for control_id, source_id in pairs:
            control = controls.get(control_id)
            if control_id and (
                control is None
                or control.status != ControlStatus.OPEN
                or control.tender_source_id != source_id
            ):
                raise PaymentError(
                    f"tender control {control_id} is not an open control of the item's source"
                )
        return cls(
            sources=sources,
            default_source_id=default,
            user_id=user.pk if user else None,
            log=log,
            rules=Rules.load(),
            categories=dict(TenderType.objects.values_list("pk", "category")),
            algorithms=dict(DistributionRule.objects.values_list("pk", "algorithm")),
            now=timezone.now(),
        )

    def source_of(self, item: BulkPayment) -> int:
        return item.tender_source_id or self.default_source_id


def _post(ctx: _Context, order: list[int], items, result: BulkResult) -> None:
    """Accept, plan and write the chunk: every day's payments planned first (in date
    order, each seeing the debt the earlier ones leave), then all rows written at once
    with ids taken in one round trip."""
    accepted = _accept(ctx, order, items, result)
    if not accepted:
        return
    plan = segments_plan_days(
        items=[(items[n].accounting_date, _plan_in(ctx, items[n])) for n in accepted],
        rules=ctx.rules,
    )
    postings, segments, frozen = [], [], []
    for n, out in zip(accepted, plan.outs, strict=True):
        if out.error:
            result.errors[n] = out.error
            continue
        item = items[n]
        frozen.append(n)
        postings += segment_postings(
            account_id=item.account_id,
            segments=[(s.sa_id, s.amount) for s in out.segments],
            accounting_date=item.accounting_date,
            cash_gl_id=ctx.sources[ctx.source_of(item)].cash_gl_id,
            receivable_gl=plan.receivable_gl,
            description=payment_description(payment_date=item.payment_date or item.accounting_date),
        )
        segments += [
            (n, s.sa_id, s.amount, s.is_overpayment, s.debt_due_date) for s in out.segments
        ]
    count = len(accepted)
    ids = reserve_ids(
        {
            PaymentEvent: count,
            Tender: count,
            Payment: count,
            FinancialTransaction: len(postings),
            GLLine: 2 * len(postings),
            PaySegment: len(segments),
            StateLog: len(frozen) if ctx.log else 0,
        }
    )
    event_ids = bulk_insert_rows(
        PaymentEvent,
        _EVENT_FIELDS,
        [_event_row(ctx, items[n]) for n in accepted],
        ids=ids.get(PaymentEvent),
    )
    bulk_insert_rows(
        Tender,
        _TENDER_FIELDS,
        [_tender_row(ctx, e, items[n]) for e, n in zip(event_ids, accepted, strict=True)],
        ids=ids.get(Tender),
    )
    payment_rows = [
        _payment_row(ctx, e, items[n], out.error)
        for e, n, out in zip(event_ids, accepted, plan.outs, strict=True)
    ]
    payment_ids = bulk_insert_rows(Payment, _PAYMENT_FIELDS, payment_rows, ids=ids.get(Payment))
    payment_of = dict(zip(accepted, payment_ids, strict=True))
    for n, pk in payment_of.items():
        result.payment_ids[n] = pk
    ft_ids = ledger_post_ids(
        postings=postings,
        now=ctx.now,
        ft_ids=ids.get(FinancialTransaction),
        gl_ids=ids.get(GLLine),
    )
    bulk_insert_rows(
        PaySegment,
        _SEGMENT_FIELDS,
        [(payment_of[n], *rest, ft) for (n, *rest), ft in zip(segments, ft_ids, strict=True)],
        ids=ids.get(PaySegment),
    )
    _deferred(ctx, items, frozen, payment_of, dict(zip(accepted, plan.outs, strict=True)))
    frozen_ids = [payment_of[n] for n in frozen]
    result.frozen_ids += frozen_ids
    result.frozen_account_ids += [items[n].account_id for n in frozen]
    if ctx.log:
        state_logs_insert(
            Payment,
            frozen_ids,
            source="incomplete",
            target="frozen",
            transition="freeze",
            by_id=ctx.user_id,
            now=ctx.now,
            log_ids=ids.get(StateLog),
        )


def _deferred(ctx: _Context, items, frozen: list[int], payment_of: dict, outs: dict) -> None:
    """The deferred charges (seed 004) of the chunk's frozen payments, in posting order:
    the online path's rule, once per payment; one query when no item is active."""
    deferred_charges_apply(
        payments=[
            FrozenPayment(
                payment_id=payment_of[n],
                account_id=items[n].account_id,
                amount=items[n].amount,
                accounting_date=items[n].accounting_date,
                cash_gl_id=ctx.sources[ctx.source_of(items[n])].cash_gl_id,
                segments=tuple((s.sa_id, s.amount, s.is_overpayment) for s in outs[n].segments),
            )
            for n in frozen
        ]
    )


def _accept(ctx: _Context, order: list[int], items, result: BulkResult) -> list[int]:
    """The items that may be posted, in `order`; the others' refusals go to `result`."""
    # Issue 7 item 6: judged as of each item's payment date, as online (see acceptance.py).
    by_paid_on: dict[date, set[int]] = defaultdict(set)
    for n in order:
        by_paid_on[_paid_on(items[n])] |= {items[n].account_id, items[n].payor_account_id}
    infos_on = acceptance_infos_on(
        account_ids_by_day={day: ids - {None} for day, ids in by_paid_on.items()}
    )
    threshold = cash_only_threshold()
    taken = _external_ids_taken(ctx, [items[n] for n in order])
    accepted = []
    for n in order:
        item = items[n]
        infos = infos_on[_paid_on(item)]
        refusal = _item_refusal(item)
        if refusal:
            result.errors[n] = refusal
            continue
        key = (ctx.source_of(item), item.external_id)
        if item.external_id and key in taken:
            result.errors[n] = f"external id {item.external_id} was posted already"
            continue
        if item.external_id:
            taken.add(key)
        missing = [a for a in (item.account_id, item.payor_account_id) if a and a not in infos]
        if missing:
            result.errors[n] = f"account id {missing[0]} does not exist"
            continue
        payee = infos[item.account_id]
        involved = [payee] + ([infos[item.payor_account_id]] if item.payor_account_id else [])
        if all(_takes_anything(i, threshold) for i in involved):
            accepted.append(n)  # what `acceptance_problems` would say, without asking
            continue
        problems = acceptance_problems(
            infos=sorted(set(involved), key=lambda i: i.number),
            payees=[payee],
            categories={ctx.categories[item.tender_type_id]},
        )
        if problems:
            result.errors[n] = " ".join(problems)
        else:
            accepted.append(n)
    return accepted


def _takes_anything(info: AcceptanceInfo, threshold: int) -> bool:
    """An account `acceptance_problems` finds nothing against, whatever the tender: it
    accepts payments, disallows no pay method and is not cash only (most accounts)."""
    return not info.do_not_accept and not info.disallowed and info.cash_only_points < threshold


def _paid_on(item: BulkPayment) -> date:
    """The day the tender was received: the event's payment date (see `_event_row`)."""
    return item.payment_date or item.accounting_date


_FREE_TEXT = ("check_number", "processor_token", "external_id", "match_value")


def _item_refusal(item: BulkPayment) -> str:
    """The online path's field checks (`full_clean`, the API's fields), per item: the
    maximum amount, and no card number in free text (DESIGN §8)."""
    limit = max_amount()
    if item.amount > limit:
        return f"amount {item.amount} is more than the maximum of {limit} per payment"
    for name in _FREE_TEXT:
        if looks_like_card_number(getattr(item, name)):
            return f"{name}: {CARD_NUMBER_MESSAGE}"
    return ""


_TAKEN_SQL = """
SELECT e.tender_source_id, e.external_id FROM payments_paymentevent e
JOIN unnest(%s::bigint[], %s::text[]) AS w(source_id, external_id)
  ON e.tender_source_id = w.source_id AND e.external_id = w.external_id
WHERE e.external_id <> ''
"""


def _external_ids_taken(ctx: _Context, items: list[BulkPayment]) -> set[tuple[int, str]]:
    """Uploads and webhooks name each transaction once per source (DESIGN §7). One probe
    of the unique index `one_event_per_external_id` per wanted pair: the query repeats the
    index's predicate (external id not blank) so the planner may use that partial index."""
    wanted = {(ctx.source_of(i), i.external_id) for i in items if i.external_id}
    if not wanted:
        return set()
    if connection.vendor != "postgresql":
        rows = (
            PaymentEvent.objects.filter(
                tender_source_id__in={s for s, _ in wanted},
                external_id__in={e for _, e in wanted},
            )
            .exclude(external_id="")
            .order_by()
            .values_list("tender_source_id", "external_id")
        )
        return set(rows) & wanted
    pairs = sorted(wanted)
    with bound_cursor() as cursor:
        cursor.execute(_TAKEN_SQL, [[s for s, _ in pairs], [e for _, e in pairs]])
        return {(s, e) for s, e in cursor.fetchall()}


def _plan_in(ctx: _Context, item: BulkPayment) -> PlanIn:
    algorithm = ctx.algorithms.get(item.distribution_rule_id) or ctx.rules.algorithm
    if item.match_value and not item.distribution_rule_id:
        algorithm = DistributionAlgorithm.MATCH_SA
    return PlanIn(item.account_id, item.amount, algorithm, match_sa_id(item.match_value))


def _event_row(ctx: _Context, item: BulkPayment) -> tuple:
    day = item.payment_date or item.accounting_date
    return (day, ctx.source_of(item), False, item.external_id, "", ctx.user_id, ctx.now)


def _tender_row(ctx: _Context, event_id: int, item: BulkPayment) -> tuple:
    return (
        event_id,
        item.tender_type_id,
        item.tender_control_id,
        item.amount,
        item.payor_account_id,
        item.check_number,
        item.processor_token,
        item.last4,
        item.external_id,
        Tender.Status.VALID.value,
        "",
        ctx.now,
    )


def _payment_row(ctx: _Context, event_id: int, item: BulkPayment, error: str) -> tuple:
    return (
        event_id,
        item.account_id,
        item.amount,
        (Payment.Status.ERROR if error else Payment.Status.FROZEN).value,
        item.accounting_date,
        item.distribution_rule_id,
        item.match_value,
        error[:300],
        None if error else ctx.now,
        "",
        "",
        "",
        ctx.user_id,
        ctx.now,
    )
