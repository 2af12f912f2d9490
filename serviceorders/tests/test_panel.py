"""The Service Orders tab (seed 004): list and filters, add / edit / complete / delete by
role, history, the printed order, the location's list, and the dashboard's open count."""

import datetime as dt
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.acp.selectors.customer import message_center
from accounts.models import Account
from accounts.panel import PanelContext, panel_facts
from accounts.tests.factories import AccountFactory
from serviceorders.models import ServiceOrder, ServiceOrderClass, ServiceOrderType, TierStatus
from serviceorders.services.orders import service_order_complete, service_order_create

from .conftest import PASSWORD

HX = {"HTTP_HX_REQUEST": "true"}


def so_type(code):
    return ServiceOrderType.objects.get(code=code)


def make_order(account, code="METERREAD", **kw):
    return service_order_create(
        account=account,
        type=so_type(code),
        effective_date=kw.pop("effective_date", timezone.localdate()),
        origin=ServiceOrder.Origin.USER,
        **kw,
    )


@pytest.fixture
def as_csr(client, csr):
    client.login(username=csr.username, password=PASSWORD)
    return client


@pytest.fixture
def as_supervisor(client, supervisor):
    client.login(username=supervisor.username, password=PASSWORD)
    return client


def url(name, account, *args):
    return reverse(f"serviceorders:{name}", args=[account.number, *args])


def tab(client, account, **params):
    return client.get(reverse("acp:tab", args=[account.number, "serviceorders"]), params, **HX)


def test_the_tab_lists_incomplete_orders_by_default_and_filters_complete_or_both(as_csr, account):
    done = make_order(account, notes="done one")
    service_order_complete(order=done, user=None)
    waiting = make_order(account, notes="still open")
    body = tab(as_csr, account).content.decode()
    assert f'data-order="{waiting.number}"' in body
    assert f'data-order="{done.number}"' not in body
    body = tab(as_csr, account, so_status="complete").content.decode()
    assert f'data-order="{done.number}"' in body and f'data-order="{waiting.number}"' not in body
    body = tab(as_csr, account, so_status="both").content.decode()
    assert f'data-order="{done.number}"' in body and f'data-order="{waiting.number}"' in body


def test_all_orders_for_the_location_include_another_customers(as_csr, account):
    previous = AccountFactory(location=account.location, number="1000000099")
    theirs = make_order(previous)
    mine = make_order(account)
    body = tab(as_csr, account).content.decode()
    assert f'data-order="{mine.number}"' in body and f'data-order="{theirs.number}"' not in body
    body = tab(as_csr, account, so_location="1").content.decode()
    assert f'data-order="{theirs.number}"' in body and f'data-order="{mine.number}"' in body


def test_csr_adds_an_order_and_the_tab_shows_it(as_csr, account, csr):
    response = as_csr.post(
        url("add", account),
        {
            "so-type": so_type("OTHER").pk,
            "so-order_class": ServiceOrderClass.objects.get(code="STANDARD").pk,
            "so-tier_status": "",
            "so-effective_date": timezone.localdate().isoformat(),
            "so-notes": "  check the curb stop  ",
        },
        **HX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "acp-changed"
    order = ServiceOrder.objects.get(account=account)
    assert (order.kind, order.notes, order.created_by, order.origin) == (
        "other",
        "check the curb stop",
        csr,
        "user",
    )
    assert f'data-order="{order.number}"' in response.content.decode()


def test_a_bad_add_is_refused_with_the_messages_next_to_the_fields(as_csr, account):
    far = timezone.localdate() + dt.timedelta(days=800)
    response = as_csr.post(
        url("add", account),
        {"so-type": "", "so-effective_date": far.isoformat(), "so-notes": "x"},
        **HX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-field="type"' in body and "This field is required." in body
    assert "within a year of today" in body
    assert not ServiceOrder.objects.exists()
    bad_date = as_csr.post(
        url("add", account), {"so-type": so_type("OTHER").pk, "so-effective_date": "13/45"}, **HX
    )
    assert bad_date.status_code == 422 and "Enter a valid date." in bad_date.content.decode()


def test_a_second_open_reconnect_is_refused_with_the_services_reason(as_csr, account):
    make_order(account, "RECON")
    response = as_csr.post(
        url("add", account),
        {"so-type": so_type("RECON").pk, "so-effective_date": timezone.localdate().isoformat()},
        **HX,
    )
    assert response.status_code == 422
    assert "already has an open reconnect" in response.content.decode()
    assert ServiceOrder.objects.filter(kind="reconnect").count() == 1


def test_csr_edits_an_order(as_csr, account, csr):
    order = make_order(account)
    form = as_csr.get(url("edit", account, order.pk), **HX)
    assert form.status_code == 200 and 'id="so-edit-form"' in form.content.decode()
    new_date = timezone.localdate() + dt.timedelta(days=3)
    tier = TierStatus.objects.get(code="NOTICE")
    response = as_csr.post(
        url("edit", account, order.pk),
        {
            "edit-effective_date": new_date.isoformat(),
            "edit-tier_status": tier.pk,
            "edit-notes": "gate code 1234",
        },
        **HX,
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.effective_date, order.tier_status, order.notes) == (
        new_date,
        tier,
        "gate code 1234",
    )
    refused = as_csr.post(url("edit", account, order.pk), {"edit-effective_date": ""}, **HX)
    assert refused.status_code == 422 and "This field is required." in refused.content.decode()


def test_csr_completes_a_disconnect_and_the_account_is_shut_off(as_csr, account, csr):
    order = make_order(account, "DISCNP")
    response = as_csr.post(url("complete", account, order.pk), {}, **HX)
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.completed_by) == ("completed", csr)
    account.refresh_from_db()
    assert account.service_status == Account.ServiceStatus.SHUT_OFF
    again = as_csr.post(url("complete", account, order.pk), {}, **HX)
    assert again.status_code == 422 and "is completed" in again.content.decode()


def test_csr_cannot_delete_an_order_and_sees_no_delete_button(as_csr, account):
    order = make_order(account)
    assert "Delete" not in tab(as_csr, account).content.decode().split("Service Order List")[1]
    response = as_csr.post(url("delete", account, order.pk), {}, **HX)
    assert response.status_code == 403
    assert ServiceOrder.objects.filter(pk=order.pk).exists()


def test_supervisor_deletes_an_open_order_but_not_a_completed_one(as_supervisor, account):
    order = make_order(account)
    assert f'aria-label="Delete {order.number}"' in tab(as_supervisor, account).content.decode()
    response = as_supervisor.post(url("delete", account, order.pk), {}, **HX)
    assert response.status_code == 200 and "deleted" in response.content.decode()
    assert not ServiceOrder.objects.filter(pk=order.pk).exists()
    done = make_order(account)
    service_order_complete(order=done, user=None)
    refused = as_supervisor.post(url("delete", account, done.pk), {}, **HX)
    assert refused.status_code == 422 and "cancel it instead" in refused.content.decode()
    assert ServiceOrder.objects.filter(pk=done.pk).exists()


def test_an_order_of_another_location_is_not_found(as_csr, account):
    elsewhere = make_order(AccountFactory(number="1000000077"))
    assert as_csr.post(url("complete", account, elsewhere.pk), {}, **HX).status_code == 404
    assert as_csr.get(url("print", account, elsewhere.pk)).status_code == 404


def test_history_shows_the_orders_states_and_who_moved_it(as_csr, account, csr):
    order = make_order(account, user=csr)
    as_csr.post(url("complete", account, order.pk), {}, **HX)
    body = as_csr.get(url("history", account, order.pk), **HX).content.decode()
    assert f"Service Order History: {order.number}" in body
    assert "Open (created)" in body
    assert "<td>completed</td>" in body and f"<td>{csr.username}</td>" in body


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_print_service_order_is_a_pdf_with_the_order_account_and_location(as_csr, account):
    order = make_order(account, "DISCNP", notes="meter behind the garage")
    response = as_csr.get(url("print", account, order.pk))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"Service Order {order.number}" in text
    assert "Disconnect for non-pay" in text
    assert account.number in text and account.location.line1 in text
    assert "meter behind the garage" in text


def test_service_order_list_for_the_location_in_html_and_csv(as_csr, account):
    previous = AccountFactory(location=account.location, number="1000000099")
    theirs = make_order(previous)
    mine = make_order(account)
    service_order_complete(order=mine, user=None)
    html = as_csr.get(url("location-report", account, "html")).content.decode()
    assert f'data-order="{theirs.number}"' in html and f'data-order="{mine.number}"' in html
    response = as_csr.get(url("location-report", account, "csv"))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Number,Account,Location,Type")
    assert {line.split(",")[0] for line in lines[1:]} == {theirs.number, mine.number}


def test_open_orders_count_on_the_message_center_and_the_location_icon(as_csr, account, csr, rf):
    make_order(account)
    make_order(account)
    done = make_order(account)
    service_order_complete(order=done, user=None)
    body = as_csr.get(reverse("acp:panel", args=[account.number])).content.decode()
    assert 'data-icon="open_so"' in body  # the location card's wrench
    request = rf.get("/")
    request.user = csr
    ctx = PanelContext(request=request, account=account)
    assert panel_facts(ctx).open_service_orders == 2
    assert ("Open service orders", "2") in message_center(ctx).rows


def test_no_open_order_no_icon(as_csr, account):
    done = make_order(account)
    service_order_complete(order=done, user=None)
    body = as_csr.get(reverse("acp:panel", args=[account.number])).content.decode()
    assert 'data-icon="open_so"' not in body
