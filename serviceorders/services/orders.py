"""Service order lifecycle (issue 11 item 1): create, update, dispatch, complete, cancel,
delete. Every service locks the order's account first (`lock_objects`)."""

import uuid
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from cis.bulk import bulk_insert, id_in, reserve_ids

from ..exceptions import ServiceOrderError, ServiceOrderPermissionError, ServiceOrderStateError
from ..lock_objects import accounts_lock, order_qs_select_for_update
from ..models import (
    ServiceOrder,
    ServiceOrderClass,
    ServiceOrderKind,
    ServiceOrderType,
    TierStatus,
)

DELETE_PERMISSION = "serviceorders.delete_serviceorder"
UPDATABLE = {"effective_date", "order_class", "tier_status", "notes", "location"}


def order_number(pk: int) -> str:
    return f"SO-{pk:06d}"


@transaction.atomic
def service_order_create(
    *,
    account: Account,
    type: ServiceOrderType,
    effective_date: date,
    class_: ServiceOrderClass | None = None,
    tier_status: TierStatus | None = None,
    origin: str = ServiceOrder.Origin.USER,
    user=None,
    notes: str = "",
    source_payment=None,
    location=None,
) -> ServiceOrder:
    """Open an order on the account's location. A second open reconnect order for one
    account is refused (the `one_open_reconnect_per_account` constraint backs this)."""
    (account,) = accounts_lock([account.pk])
    if not type.is_active:
        raise ServiceOrderError(f"service order type {type.code} is not active")
    if type.kind == ServiceOrderKind.RECONNECT and (
        ServiceOrder.objects.filter(
            account=account, kind=ServiceOrderKind.RECONNECT, status__in=ServiceOrder.INCOMPLETE
        ).exists()
    ):
        raise ServiceOrderStateError(f"account {account.number} already has an open reconnect")
    order = ServiceOrder(
        number=f"tmp-{uuid.uuid4().hex[:16]}",
        type=type,
        kind=type.kind,
        order_class=class_,
        tier_status=tier_status,
        account=account,
        location_id=location.pk if location is not None else account.location_id,
        effective_date=effective_date,
        origin=origin,
        created_by=user,
        notes=notes,
        source_payment=source_payment,
    )
    order.save()
    order.number = order_number(order.pk)
    order.save(update_fields=["number"])
    return order


@transaction.atomic
def service_orders_create_bulk(
    *,
    accounts: list[Account],
    type: ServiceOrderType,
    effective_date: date,
    notes: list[str],
    tier_status: TierStatus | None = None,
    origin: str = ServiceOrder.Origin.JOB,
) -> list[ServiceOrder]:
    """`service_order_create` for many accounts at once (a batch job's orders: one per
    account, on its location): the same checks, numbers and rows, in a fixed number of
    queries. `notes[i]` is the note of `accounts[i]`'s order."""
    if not accounts:
        return []
    if len(notes) != len(accounts):
        raise ValueError(f"{len(notes)} notes for {len(accounts)} accounts")
    if len({a.pk for a in accounts}) != len(accounts):
        raise ValueError("one order per account")
    accounts_lock([a.pk for a in accounts])
    if not type.is_active:
        raise ServiceOrderError(f"service order type {type.code} is not active")
    if type.kind == ServiceOrderKind.RECONNECT:
        open_ = (
            ServiceOrder.objects.filter(
                account_id__in=id_in(a.pk for a in accounts),
                kind=ServiceOrderKind.RECONNECT,
                status__in=ServiceOrder.INCOMPLETE,
            )
            .values_list("account__number", flat=True)
            .first()
        )
        if open_ is not None:
            raise ServiceOrderStateError(f"account {open_} already has an open reconnect")
    ids = reserve_ids({ServiceOrder: len(accounts)}).get(ServiceOrder)
    if not ids:  # not PostgreSQL (`make run`): one at a time, as the single service does
        return [
            service_order_create(
                account=account,
                type=type,
                effective_date=effective_date,
                tier_status=tier_status,
                origin=origin,
                notes=note,
            )
            for account, note in zip(accounts, notes, strict=True)
        ]
    orders = [
        ServiceOrder(
            pk=pk,
            number=order_number(pk),
            type=type,
            kind=type.kind,
            tier_status=tier_status,
            account=account,
            location_id=account.location_id,
            effective_date=effective_date,
            origin=origin,
            notes=note,
        )
        for pk, account, note in zip(ids, accounts, notes, strict=True)
    ]
    bulk_insert(ServiceOrder, orders, reserved=True)  # the numbers are made from these ids
    return orders


def _locked(order: ServiceOrder) -> ServiceOrder:
    accounts_lock([order.account_id])
    return order_qs_select_for_update().select_related("type").get(pk=order.pk)


@transaction.atomic
def service_order_update(*, order: ServiceOrder, user=None, **fields) -> ServiceOrder:
    """Edit an incomplete order's effective date, class, tier status, notes or location."""
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ServiceOrderError(f"can't change {', '.join(sorted(unknown))} of a service order")
    order = _locked(order)
    if not order.is_incomplete:
        raise ServiceOrderStateError(f"{order.number} is {order.status}")
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=[*fields, "updated_at"])
    return order


@transaction.atomic
def service_order_dispatch(*, order: ServiceOrder, user=None) -> ServiceOrder:
    order = _locked(order)
    if order.status != ServiceOrder.Status.OPEN:
        raise ServiceOrderStateError(f"{order.number} is {order.status}, not open")
    order.dispatch(by=user)
    order.dispatched_at = timezone.now()
    order.save(update_fields=["status", "dispatched_at", "updated_at"])
    return order


@transaction.atomic
def service_order_complete(
    *, order: ServiceOrder, user=None, completed_on: date | None = None
) -> ServiceOrder:
    """Done in the field. A disconnect shuts the account off; a reconnect (or a connect)
    connects it."""
    order = _locked(order)
    if not order.is_incomplete:
        raise ServiceOrderStateError(f"{order.number} is {order.status}")
    order.complete(by=user)
    order.completed_on = completed_on or timezone.localdate()
    order.completed_at = timezone.now()
    order.completed_by = user
    order.save(
        update_fields=["status", "completed_on", "completed_at", "completed_by", "updated_at"]
    )
    new_status = {
        ServiceOrderKind.DISCONNECT: Account.ServiceStatus.SHUT_OFF,
        ServiceOrderKind.RECONNECT: Account.ServiceStatus.CONNECTED,
        ServiceOrderKind.CONNECT: Account.ServiceStatus.CONNECTED,
    }.get(order.kind)
    if new_status:
        Account.objects.filter(pk=order.account_id).update(service_status=new_status)
    return order


@transaction.atomic
def service_order_cancel(*, order: ServiceOrder, reason: str, user=None) -> ServiceOrder:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceOrderError("a cancelled service order needs a reason")
    order = _locked(order)
    if not order.is_incomplete:
        raise ServiceOrderStateError(f"{order.number} is {order.status}")
    order.cancel(by=user)
    order.cancel_reason = reason
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"])
    return order


@transaction.atomic
def service_order_delete(*, order: ServiceOrder, user) -> None:
    """Delete an open order entered by mistake: a Supervisor's (README "Roles")."""
    if user is None or not user.has_perm(DELETE_PERMISSION):
        raise ServiceOrderPermissionError("only a Supervisor deletes a service order")
    order = _locked(order)
    if order.status != ServiceOrder.Status.OPEN:
        raise ServiceOrderStateError(f"{order.number} is {order.status}: cancel it instead")
    order.decisions.update(order=None)
    order.delete()
