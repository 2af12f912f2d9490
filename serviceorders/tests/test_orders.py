"""Service order lifecycle: the FSM, what completion does to the account, delete rules."""

import pytest
from django.db import IntegrityError, transaction
from django_fsm import TransitionNotAllowed
from django_fsm_log.models import StateLog

from accounts.models import Account
from payments.tests.factories import account_with
from serviceorders.exceptions import (
    ServiceOrderError,
    ServiceOrderPermissionError,
    ServiceOrderStateError,
)
from serviceorders.models import ServiceOrder
from serviceorders.selectors import (
    open_order_count,
    open_orders_for_location,
    orders_for_account,
)
from serviceorders.services.orders import (
    service_order_cancel,
    service_order_complete,
    service_order_delete,
    service_order_dispatch,
    service_order_update,
)

from .builders import order, shut_off

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("so_ref")]

S = ServiceOrder.Status


def test_number_is_human_readable_and_unique():
    account, _ = account_with("WATER")
    a, b = order(account), order(account)
    assert a.number == f"SO-{a.pk:06d}" and b.number != a.number
    assert a.location_id == account.location_id and a.kind == "meter_read"


def test_open_dispatched_completed_is_logged(csr):
    account, _ = account_with("WATER")
    so = service_order_dispatch(order=order(account), user=csr)
    assert so.status == S.DISPATCHED and so.dispatched_at
    so = service_order_complete(order=so, user=csr)
    assert so.status == S.COMPLETED and so.completed_on and so.completed_by == csr
    assert list(StateLog.objects.for_(so).values_list("state", flat=True)) == [
        "dispatched",
        "completed",
    ]


def test_status_is_protected():
    account, _ = account_with("WATER")
    so = order(account)
    with pytest.raises(AttributeError):
        so.status = S.COMPLETED


def test_completed_or_cancelled_orders_do_not_move():
    account, _ = account_with("WATER")
    done = service_order_complete(order=order(account))
    with pytest.raises(ServiceOrderStateError):
        service_order_dispatch(order=done)
    with pytest.raises(ServiceOrderStateError):
        service_order_cancel(order=done, reason="late")
    cancelled = service_order_cancel(order=order(account), reason="customer called")
    assert cancelled.cancel_reason == "customer called"
    with pytest.raises(ServiceOrderStateError):
        service_order_complete(order=cancelled)
    with pytest.raises(TransitionNotAllowed):
        cancelled.dispatch()


def test_cancel_needs_a_reason():
    account, _ = account_with("WATER")
    with pytest.raises(ServiceOrderError):
        service_order_cancel(order=order(account), reason="  ")


def test_completing_a_disconnect_shuts_off_and_a_reconnect_connects():
    account, _ = account_with("WATER")
    shut_off(account)
    account.refresh_from_db()
    assert account.service_status == Account.ServiceStatus.SHUT_OFF
    service_order_complete(order=order(account, "RECON"))
    account.refresh_from_db()
    assert account.service_status == Account.ServiceStatus.CONNECTED


def test_meter_read_leaves_the_service_status_alone():
    account, _ = account_with("WATER")
    shut_off(account)
    service_order_complete(order=order(account, "METERREAD"))
    account.refresh_from_db()
    assert account.service_status == Account.ServiceStatus.SHUT_OFF


def test_one_open_reconnect_per_account_service_and_constraint():
    account, _ = account_with("WATER")
    first = order(account, "RECON")
    with pytest.raises(ServiceOrderStateError):
        order(account, "RECON")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceOrder.objects.create(
            number="X-1",
            type=first.type,
            kind="reconnect",
            account=account,
            location=account.location,
            effective_date=first.effective_date,
        )
    service_order_complete(order=first)
    assert order(account, "RECON").status == S.OPEN  # a new one once the first is done


def test_update_changes_an_incomplete_order_only():
    account, _ = account_with("WATER")
    so = service_order_update(order=order(account), notes="gate code 1234")
    assert so.notes == "gate code 1234"
    with pytest.raises(ServiceOrderError):
        service_order_update(order=so, account=account)
    service_order_complete(order=so)
    with pytest.raises(ServiceOrderStateError):
        service_order_update(order=so, notes="late")


def test_delete_is_a_supervisors_and_only_for_open_orders(csr, supervisor):
    account, _ = account_with("WATER")
    so = order(account)
    with pytest.raises(ServiceOrderPermissionError):
        service_order_delete(order=so, user=csr)
    dispatched = service_order_dispatch(order=order(account))
    with pytest.raises(ServiceOrderStateError):
        service_order_delete(order=dispatched, user=supervisor)
    service_order_delete(order=so, user=supervisor)
    assert not ServiceOrder.objects.filter(pk=so.pk).exists()


def test_selectors_filter_by_completion_and_location():
    account, _ = account_with("WATER")
    done = service_order_complete(order=order(account))
    open_ = order(account)
    assert list(orders_for_account(account=account, completion="complete")) == [done]
    assert list(orders_for_account(account=account, completion="incomplete")) == [open_]
    assert orders_for_account(account=account).count() == 2
    assert list(open_orders_for_location(location=account.location)) == [open_]
    assert open_order_count(account=account) == 1


def _bulk(accounts, code="DISCNP", **fields):
    from serviceorders.services.orders import service_orders_create_bulk

    from .builders import DISCONNECTED_ON, so_type

    fields.setdefault("notes", [f"note {a.number}" for a in accounts])
    return service_orders_create_bulk(
        accounts=accounts, type=so_type(code), effective_date=DISCONNECTED_ON, **fields
    )


@pytest.mark.parametrize("count", [3, 210])  # an insert, and COPY (cis.bulk)
def test_bulk_create_makes_the_rows_the_single_service_makes(count):
    """A batch job's orders in one insert: the same numbers, location, kind, origin and
    status as `service_order_create`, each with its own note."""
    from .builders import tier

    accounts = [account_with("WATER")[0] for _ in range(count)]
    orders = _bulk(accounts, tier_status=tier("NOTICE"))
    stored = {o.pk: o for o in ServiceOrder.objects.filter(pk__in=[o.pk for o in orders])}
    assert len(stored) == count
    for account, made in zip(accounts, orders, strict=True):
        so = stored[made.pk]
        assert so.number == f"SO-{so.pk:06d}" == made.number
        assert so.account_id == account.pk and so.location_id == account.location_id
        assert (so.kind, so.status, so.origin) == ("disconnect", S.OPEN, "job")
        assert so.notes == f"note {account.number}" and so.tier_status.code == "NOTICE"
        assert so.created_at is not None and so.type.code == "DISCNP"
    single = order(accounts[0])  # numbering goes on after the bulk orders
    assert single.pk > max(stored) and single.number == f"SO-{single.pk:06d}"


def test_bulk_create_refuses_what_the_single_service_refuses():
    from .builders import so_type

    account, _ = account_with("WATER")
    inactive = so_type("DISCNP")
    inactive.is_active = False
    inactive.save()
    with pytest.raises(ServiceOrderError):
        _bulk([account])
    order(account, "RECON")
    other, _ = account_with("WATER")
    with pytest.raises(ServiceOrderStateError):
        _bulk([other, account], code="RECON")
    assert not ServiceOrder.objects.filter(account=other).exists()
