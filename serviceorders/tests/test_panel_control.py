"""The Service Order Control Panel (seed 004, Management > Service Order): orders across
accounts with filters, pages, CSV, and dispatching or completing many at once."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from serviceorders.models import ServiceOrder, ServiceOrderClass, ServiceOrderType, TierStatus
from serviceorders.services.orders import service_order_complete, service_order_create

from .conftest import PASSWORD

HX = {"HTTP_HX_REQUEST": "true"}
URL = "/acp/serviceorders/"


def make_order(account, code="METERREAD", days=0, **kw):
    return service_order_create(
        account=account,
        type=ServiceOrderType.objects.get(code=code),
        effective_date=timezone.localdate() + dt.timedelta(days=days),
        origin=ServiceOrder.Origin.USER,
        **kw,
    )


def listed(response) -> set[str]:
    body = response.content.decode()
    return {o.number for o in ServiceOrder.objects.all() if f'data-order="{o.number}"' in body}


@pytest.fixture
def as_csr(client, csr):
    client.login(username=csr.username, password=PASSWORD)
    return client


def test_the_control_panel_is_linked_from_the_panel_and_lists_every_account(as_csr, account):
    other = AccountFactory(number="1000000077")
    a, b = make_order(account), make_order(other)
    assert reverse("serviceorders:control") == URL
    panel = as_csr.get(reverse("acp:panel", args=[account.number])).content.decode()
    assert f'href="{URL}"' in panel
    assert listed(as_csr.get(URL)) == {a.number, b.number}


def test_filters_status_type_class_tier_dates_and_account(as_csr, account):
    other = AccountFactory(number="1000000077")
    tier = TierStatus.objects.get(code="NOTICE")
    klass = ServiceOrderClass.objects.get(code="STANDARD")
    disc = make_order(account, "DISCNP", tier_status=tier)
    later = make_order(other, "OTHER", days=10, class_=klass)
    done = make_order(other, "METERREAD", days=-5)
    service_order_complete(order=done, user=None)
    assert listed(as_csr.get(URL, {"status": "completed"})) == {done.number}
    assert listed(as_csr.get(URL, {"status": "open"})) == {disc.number, later.number}
    disc_type = ServiceOrderType.objects.get(code="DISCNP")
    assert listed(as_csr.get(URL, {"type": disc_type.pk})) == {disc.number}
    assert listed(as_csr.get(URL, {"order_class": klass.pk})) == {later.number}
    assert listed(as_csr.get(URL, {"tier_status": tier.pk})) == {disc.number}
    today = timezone.localdate()
    window = {"effective_from": today.isoformat(), "effective_to": today.isoformat()}
    assert listed(as_csr.get(URL, window)) == {disc.number}
    assert listed(as_csr.get(URL, {"account": other.number})) == {later.number, done.number}
    backwards = as_csr.get(URL, {"effective_from": today.isoformat(), "effective_to": "2000-01-01"})
    assert backwards.status_code == 422
    assert "The end date is before the start date." in backwards.content.decode()


def test_private_accounts_orders_are_not_listed_for_a_csr(as_csr, account, private_account):
    mine = make_order(account)
    make_order(private_account)
    assert listed(as_csr.get(URL)) == {mine.number}


def test_pages_of_fifty(as_csr, account, settings):
    for _ in range(51):
        make_order(account)
    first = as_csr.get(URL).content.decode()
    assert "Page 1 of 2 (51 orders)" in first
    assert first.count("data-order=") == 50
    assert as_csr.get(URL, {"page": 2}).content.decode().count("data-order=") == 1


def test_csv_export_follows_the_filters(as_csr, account):
    keep = make_order(account, "DISCNP")
    make_order(account, "OTHER")
    disc_type = ServiceOrderType.objects.get(code="DISCNP")
    response = as_csr.get(URL, {"type": disc_type.pk, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].split(",")[:2] == ["Number", "Account"]
    assert [line.split(",")[0] for line in lines[1:]] == [keep.number]


def test_bulk_dispatch_runs_each_and_reports_the_one_refused(as_csr, account, csr):
    other = AccountFactory(number="1000000077")
    a, b = make_order(account), make_order(other)
    dispatched = make_order(account)
    as_csr.post(URL, {"action": "dispatch", "order": [dispatched.pk]}, **HX)
    response = as_csr.post(URL, {"action": "dispatch", "order": [a.pk, dispatched.pk, b.pk]}, **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 orders dispatched" in body
    assert f"{dispatched.number}: " in body and "not open" in body
    statuses = dict(ServiceOrder.objects.values_list("number", "status"))
    assert statuses[a.number] == statuses[b.number] == "dispatched"


def test_bulk_complete_completes_each_through_the_service(as_csr, account, csr):
    a = make_order(account, "DISCNP")
    b = make_order(account)
    done = make_order(account)
    service_order_complete(order=done, user=None)
    response = as_csr.post(URL, {"action": "complete", "order": [a.pk, b.pk, done.pk]}, **HX)
    body = response.content.decode()
    assert "2 orders completed" in body and "1 not completed" in body
    a.refresh_from_db()
    assert (a.status, a.completed_by) == ("completed", csr)
    account.refresh_from_db()
    assert account.service_status == "shut_off"  # the disconnect's effect, from the service


def test_bulk_actions_need_change_permission(client, make_user, account):
    viewer = make_user("CSR", "viewer")
    viewer.groups.clear()
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(
        Permission.objects.get(codename="view_serviceorder"),
        Permission.objects.get(codename="view_account"),
    )
    client.login(username="viewer", password=PASSWORD)
    order = make_order(account)
    assert client.get(URL).status_code == 200
    assert client.post(URL, {"action": "complete", "order": [order.pk]}).status_code == 403
    order.refresh_from_db()
    assert order.status == "open"
