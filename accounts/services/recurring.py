"""Recurring items (seed 004, Recurring Items tab): add, deactivate, and the application to
bills when they complete.

An item is saved once and never edited; it can only be deactivated, and a deactivated item
can't come back (a new one is added instead; a check constraint and, on PostgreSQL, a
trigger hold that too).

At completion (`bills_complete`, the bulk path) each active item of the bill's account,
customer or location, effective on or before the bill date, posts one adjustment on the
bill: a fixed amount, or a percent of the bill's segments, negative for a discount or a
credit. It posts on the SA of the bill's largest segment (lowest SA id on a tie), through
the item type's adjustment type (its GL is the offset), dated the bill date. An item with
a count stops, and deactivates itself, when the count is used up. The work per chunk of
bills is set-based: one locked read of the items, one insert of the adjustments, the FTs
with the bill's own (one `ledger_post_ids` call), one insert of the applications (unique
per item and bill) and one update of the items.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cis.bulk import bulk_insert_rows, bulk_update_rows, id_in
from cis.money import ZERO, quantize

from ..lock_objects import recurring_item_qs_select_for_update
from ..models import (
    Account,
    Adjustment,
    AdjustmentType,
    Bill,
    FinancialTransaction,
    RecurringApplication,
    RecurringItem,
    RecurringItemType,
)
from .changes import Scope, changes_record, snapshot
from .ledger import Posting

Level = RecurringItem.Level


def _scope(item: RecurringItem) -> Scope:
    return Scope(customer=item.customer, location=item.location, account=item.account)


@transaction.atomic
def recurring_item_add(
    *,
    account: Account,
    user,
    level: str,
    item_type: RecurringItemType,
    effective_on: dt.date | None = None,
    times_to_apply: int | None = None,
    description: str = "",
) -> RecurringItem:
    """`times_to_apply` None or 0: while active (seed 004)."""
    if not item_type.is_active:
        raise ValidationError({"item_type": "That recurring item code is no longer in use."})
    if times_to_apply is not None and times_to_apply < 0:
        raise ValidationError({"times_to_apply": "Enter zero (while active) or more."})
    item = RecurringItem(
        level=level,
        item_type=item_type,
        description=(description or item_type.description).strip()[:120],
        effective_on=effective_on or timezone.localdate(),
        times_to_apply=times_to_apply or None,
        created_by=user if getattr(user, "pk", None) else None,
    )
    if level == Level.ACCOUNT:
        item.account = account
    elif level == Level.CUSTOMER:
        item.customer = account.customer
    elif level == Level.LOCATION:
        item.location = account.location
    else:
        raise ValidationError({"level": "Choose account, customer or location."})
    item.save()
    changes_record(instance=item, before={}, user=user, scope=_scope(item), action="created")
    return item


@transaction.atomic
def recurring_item_deactivate(*, item: RecurringItem, user) -> RecurringItem:
    """End an item for good. The row is locked and read again, so a deactivation racing a
    bill completion sees the count that completion left."""
    item = (
        recurring_item_qs_select_for_update()
        .select_related("item_type", "account", "customer", "location")
        .get(pk=item.pk)
    )
    if not item.is_active:
        raise ValidationError("This recurring item is no longer active: add a new one instead.")
    before = snapshot(item, ["is_active"])
    item.is_active = False
    item.deactivated_at = timezone.now()
    item.save(update_fields=["is_active", "deactivated_at"])
    changes_record(instance=item, before=before, user=user, scope=_scope(item))
    return item


def recurring_item_reactivate(*, item: RecurringItem, user) -> None:
    """seed 004: "Once an active item has been deactivated, it cannot be reactivated"."""
    raise ValidationError(
        {"is_active": "A deactivated recurring item can't be reactivated: add a new one."}
    )


# -- application at bill completion -----------------------------------------------------


def recurring_amount(item_type: RecurringItemType, bill_total: Decimal) -> Decimal:
    """What one application is worth on a bill whose segments sum to `bill_total`: signed
    (charges positive, discounts and credits negative); zero when there is nothing to
    take a percent of."""
    if item_type.percent is not None:
        if bill_total <= 0:
            return ZERO
        value = quantize(bill_total * item_type.percent / Decimal(100))
    else:
        value = quantize(item_type.amount)
    return value * item_type.sign


@dataclass
class RecurringBatch:
    """What applying items to a chunk of bills adds: `postings` go to the ledger with the
    bill's own; `record(ft_ids)` then writes the applications and moves the counts."""

    postings: list[Posting] = field(default_factory=list)
    _applications: list[tuple] = field(default_factory=list)
    _items: list[RecurringItem] = field(default_factory=list)

    def record(self, now) -> None:
        bulk_insert_rows(
            RecurringApplication,
            ("item_id", "bill_id", "adjustment_id", "amount", "applied_at"),
            [(*row, now) for row in self._applications],
        )
        for item in self._items:
            if item.times_to_apply is not None and item.times_applied >= item.times_to_apply:
                item.is_active = False
                item.deactivated_at = now
        bulk_update_rows(
            RecurringItem, self._items, ["times_applied", "is_active", "deactivated_at"]
        )


def recurring_for_bills(*, bills: Sequence[Bill], segments: Sequence, now) -> RecurringBatch:
    """The recurring items' adjustments on `bills` (pending, locked by the caller).

    `segments` are the bills' segments with `sa` loaded and `acct_customer_id` /
    `acct_location_id` annotated (the account's customer and location), so finding the
    bills' items is one query whatever the number of bills.
    """
    batch = RecurringBatch()
    if not bills:
        return batch
    by_bill: dict[int, list] = {}
    owners: dict[int, tuple[int, int, int]] = {}
    for seg in segments:
        by_bill.setdefault(seg.bill_id, []).append(seg)
        owners[seg.bill_id] = (seg.sa.account_id, seg.acct_customer_id, seg.acct_location_id)
    accounts = {a for a, _, _ in owners.values()}
    customers = {c for _, c, _ in owners.values()}
    locations = {loc for _, _, loc in owners.values()}
    latest = max(b.bill_date for b in bills)
    items = list(
        recurring_item_qs_select_for_update()
        .filter(
            Q(level=Level.ACCOUNT, account_id__in=id_in(accounts))
            | Q(level=Level.CUSTOMER, customer_id__in=id_in(customers))
            | Q(level=Level.LOCATION, location_id__in=id_in(locations)),
            is_active=True,
            effective_on__lte=latest,
        )
        .select_related("item_type__adjustment_type")
    )
    if not items:
        return batch
    by_owner: dict[tuple[str, int], list[RecurringItem]] = {}
    for item in items:
        owner = {Level.ACCOUNT: item.account_id, Level.CUSTOMER: item.customer_id}.get(
            item.level, item.location_id
        )
        by_owner.setdefault((item.level, owner), []).append(item)
    # Per item, its bills oldest first, so a count running out skips the newest.
    planned: list[tuple[RecurringItem, Bill]] = []
    for bill in sorted(bills, key=lambda b: (b.bill_date, b.pk)):
        if bill.pk not in owners:
            continue
        account_id, customer_id, location_id = owners[bill.pk]
        for key in (
            (Level.ACCOUNT, account_id),
            (Level.CUSTOMER, customer_id),
            (Level.LOCATION, location_id),
        ):
            planned.extend((item, bill) for item in by_owner.get(key, ()))
    planned.sort(key=lambda pair: (pair[0].pk, pair[1].bill_date, pair[1].pk))
    rows, plans = [], []
    for item, bill in planned:
        if item.effective_on > bill.bill_date:
            continue
        if item.times_to_apply is not None and item.times_applied >= item.times_to_apply:
            continue
        segs = by_bill[bill.pk]
        amount = recurring_amount(item.item_type, sum((s.amount for s in segs), ZERO))
        if amount == 0:
            continue
        main = min(segs, key=lambda s: (-s.amount, s.sa_id))
        adjustment_type: AdjustmentType = item.item_type.adjustment_type
        reason = f"Recurring item {item.item_type.code} on bill {bill.pk}"
        rows.append(
            (main.sa_id, adjustment_type.pk, amount, Adjustment.Status.FROZEN, reason, "", now)
        )
        plans.append((item, bill, main, adjustment_type, amount))
        item.times_applied += 1
    if not rows:
        return batch
    adjustment_ids = bulk_insert_rows(
        Adjustment,
        (
            "sa_id",
            "adjustment_type_id",
            "amount",
            "status",
            "reason",
            "cancel_reason",
            "created_at",
        ),
        rows,
    )
    touched: dict[int, RecurringItem] = {}
    for (item, bill, main, adjustment_type, amount), adjustment_id in zip(
        plans, adjustment_ids, strict=True
    ):
        batch.postings.append(
            Posting(
                sa_id=main.sa_id,
                account_id=main.sa.account_id,
                receivable_gl_id=main.sa.sa_type.receivable_gl_id,
                offset_gl_id=adjustment_type.offset_gl_id,
                kind=FinancialTransaction.Kind.ADJUSTMENT,
                amount=amount,
                accounting_date=bill.bill_date,
                arrears_date=bill.due_date if amount > 0 else None,
                description=item.description[:120],
                bill_id=bill.pk,
                adjustment_id=adjustment_id,
            )
        )
        batch._applications.append((item.pk, bill.pk, adjustment_id, amount))
        touched[item.pk] = item
    batch._items = list(touched.values())
    return batch
