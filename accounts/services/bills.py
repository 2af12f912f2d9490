"""Bills: loaded with a segment amount per SA, completed into charge FTs (DESIGN §2)."""

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cis.bulk import bulk_update_rows, id_in, state_logs_insert
from cis.money import ZERO, quantize

from ..lock_objects import account_qs_select_for_update, bill_qs_select_for_update
from ..models import Account, Bill, BillSegment, FinancialTransaction, ServiceAgreement
from ..signals import bill_completed
from .ledger import Posting, ledger_post_ids
from .recurring import recurring_for_bills


class BillError(ValueError):
    pass


@transaction.atomic
def bill_create(
    *,
    account: Account,
    bill_date: date,
    due_date: date,
    segments: Mapping[ServiceAgreement, Decimal],
) -> Bill:
    """A pending bill with one segment per SA of this account."""
    if not segments:
        raise BillError("a bill needs at least one segment")
    foreign = [sa for sa in segments if sa.account_id != account.pk]
    if foreign:
        raise BillError(f"SA {foreign[0].pk} does not belong to account {account.number}")
    bill = Bill(
        account=account,
        bill_date=bill_date,
        due_date=due_date,
        total=quantize(sum(segments.values(), ZERO)),
    )
    bill.full_clean(exclude=["status"])  # a protected FSM field can't be re-set by clean
    bill.save()
    BillSegment.objects.bulk_create(
        BillSegment(bill=bill, sa=sa, amount=quantize(amount)) for sa, amount in segments.items()
    )
    return bill


@transaction.atomic
def bill_complete(*, bill: Bill) -> Bill:
    """Complete one bill: its charge FTs, then `bill_completed` after commit."""
    list(account_qs_select_for_update().filter(pk=bill.account_id))
    bill = bill_qs_select_for_update().get(pk=bill.pk)
    if bill.status != Bill.Status.PENDING:
        raise BillError(f"bill {bill.pk} is already {bill.status}")
    bills_complete(bill_ids=[bill.pk])
    bill.refresh_from_db()
    return bill


@transaction.atomic
def bills_complete(*, bill_ids: Sequence[int]) -> int:
    """Complete many pending bills with a constant number of queries (the batch path).

    Bills already complete are skipped, so a re-run posts nothing twice. The caller holds
    the bill locks (or they are taken here in pk order).
    """
    bills = list(bill_qs_select_for_update().filter(pk__in=bill_ids, status=Bill.Status.PENDING))
    if not bills:
        return 0
    by_id = {b.pk: b for b in bills}
    segments = list(
        BillSegment.objects.filter(bill_id__in=by_id)
        .select_related("sa__sa_type")
        # The account's customer and location: where recurring items may sit.
        .annotate(
            acct_customer_id=F("sa__account__customer_id"),
            acct_location_id=F("sa__account__location_id"),
        )
    )
    postings = [
        Posting(
            sa_id=seg.sa_id,
            account_id=seg.sa.account_id,
            receivable_gl_id=seg.sa.sa_type.receivable_gl_id,
            offset_gl_id=seg.sa.sa_type.revenue_gl_id,
            kind=FinancialTransaction.Kind.BILL_SEGMENT,
            amount=seg.amount,
            accounting_date=by_id[seg.bill_id].bill_date,
            arrears_date=by_id[seg.bill_id].due_date,
            description=seg.description or f"Bill {by_id[seg.bill_id].bill_date:%m/%d/%Y}",
            bill_id=seg.bill_id,
        )
        for seg in segments
    ]
    totals: dict[int, Decimal] = dict.fromkeys(by_id, ZERO)
    for p in postings:
        totals[p.bill_id] += p.amount
    now = timezone.now()
    # Recurring discounts / credits / charges post with the segments (seed 004).
    recurring = recurring_for_bills(bills=bills, segments=segments, now=now)
    ledger_post_ids(postings=postings + recurring.postings, now=now)
    recurring.record(now)
    for bill in bills:
        bill.total = totals[bill.pk]
        bill.completed_at = now
    ids = list(by_id)
    # Pending -> Complete for the whole chunk in three statements: a transition and its
    # log insert per bill (django-fsm-log) cost a statement per bill. The rows are locked
    # and were selected Pending, so the transition holds for each; the log rows are the
    # ones `complete` would write.
    bulk_update_rows(Bill, bills, ["total", "completed_at"])
    moved = (
        Bill.objects.filter(pk__in=id_in(ids), status=Bill.Status.PENDING)
        .order_by()
        .update(status=Bill.Status.COMPLETE)
    )
    if moved != len(ids):
        raise BillError(f"complete: {moved} of {len(ids)} bills moved")
    state_logs_insert(
        Bill,
        ids,
        source=Bill.Status.PENDING.value,
        target=Bill.Status.COMPLETE.value,
        transition="complete",
        now=now,
    )
    transaction.on_commit(lambda: bill_completed.send(sender=Bill, bill_ids=ids))
    return len(bills)
