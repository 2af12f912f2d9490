"""Every row lock the accounts app takes. Published order: Account -> SA -> Bill, each
set ordered by pk, so concurrent work never waits in a cycle.

The panel's edits lock apart from the ledger: the owner of addresses / phones / emails (a
Customer or a Contact) before those rows, and a special condition before it changes. None
of them is held together with a ledger lock.

A To Do entry is locked on its own (assign, comment, complete, reassign), never together
with another lock."""

from django.db.models import QuerySet

from cis.bulk import id_in

from .models import (
    Account,
    Adjustment,
    Bill,
    Contact,
    Customer,
    RecurringItem,
    Refund,
    ServiceAgreement,
    SpecialCondition,
    ToDoEntry,
)


def account_qs_select_for_update() -> QuerySet[Account]:
    return Account.objects.order_by("pk").select_for_update(of=("self",))


def sa_qs_select_for_update() -> QuerySet[ServiceAgreement]:
    return ServiceAgreement.objects.order_by("pk").select_for_update(of=("self",))


def bill_qs_select_for_update() -> QuerySet[Bill]:
    return Bill.objects.order_by("pk").select_for_update(of=("self",))


def adjustment_qs_select_for_update() -> QuerySet[Adjustment]:
    return Adjustment.objects.order_by("pk").select_for_update(of=("self",))


def accounts_lock(account_ids) -> list[Account]:
    return list(account_qs_select_for_update().filter(pk__in=set(account_ids)))


def account_ids_lock(account_ids) -> list[int]:
    """`accounts_lock` for batch chunks of thousands: the same locks, in the same order,
    returning the ids only (no instances built)."""
    return list(
        account_qs_select_for_update()
        .filter(pk__in=id_in(account_ids))
        .values_list("pk", flat=True)
    )


def customer_qs_select_for_update() -> QuerySet[Customer]:
    return Customer.objects.order_by("pk").select_for_update(of=("self",))


def contact_qs_select_for_update() -> QuerySet[Contact]:
    return Contact.objects.order_by("pk").select_for_update(of=("self",))


def special_condition_qs_select_for_update() -> QuerySet[SpecialCondition]:
    return SpecialCondition.objects.order_by("pk").select_for_update(of=("self",))


def recurring_item_qs_select_for_update() -> QuerySet[RecurringItem]:
    """Recurring items: after Account -> SA -> Bill when a bill completes; alone when the
    panel deactivates one."""
    return RecurringItem.objects.order_by("pk").select_for_update(of=("self",))


def todo_qs_select_for_update() -> QuerySet[ToDoEntry]:
    return ToDoEntry.objects.order_by("pk").select_for_update(of=("self",))


def refund_qs_select_for_update() -> QuerySet[Refund]:
    """Refunds: after Account -> SA when one is approved or cancelled (its FTs post);
    alone when a request is rejected or a payment file marks them paid."""
    return Refund.objects.order_by("pk").select_for_update(of=("self",))
