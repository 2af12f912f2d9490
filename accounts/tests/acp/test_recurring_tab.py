"""The Recurring Items tab over HTTP (seed 004): list, add, deactivate, permissions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.acp.selectors.recurring import has_recurring_items
from accounts.models import AdjustmentType, ChangeRecord, RecurringItem, RecurringItemType
from accounts.panel import PanelContext
from accounts.services.recurring import recurring_item_add
from accounts.tests.conftest import PASSWORD

HX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def senior(reference_data):
    return RecurringItemType.objects.create(
        code="SENIOR",
        description="Senior discount",
        percent=Decimal("10.00"),
        adjustment_type=AdjustmentType.objects.get(code="CREDIT"),
    )


def _tab(client, account, **params):
    return client.get(reverse("acp:tab", args=[account.number, "recurring_items"]), params, **HX)


def _add(client, account, senior, **fields):
    data = {
        "level": "customer",
        "item_type": senior.pk,
        "description": "Senior discount (65+)",
        "effective_on": timezone.localdate().isoformat(),
        "times_to_apply": "0",
        **fields,
    }
    return client.post(reverse("acp:recurring-new", args=[account.number]), data, **HX)


def test_a_csr_sees_the_tab_but_may_not_add_or_deactivate(client, csr, account, senior):
    item = recurring_item_add(account=account, user=None, level="account", item_type=senior)
    login(client, csr)
    response = _tab(client, account)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-item="{item.pk}"' in html and "While active" in html and "SENIOR" in html
    assert "Add recurring item" not in html
    assert _add(client, account, senior).status_code == 403
    url = reverse("acp:recurring", args=[account.number, item.pk])
    assert client.post(url, **HX).status_code == 403
    detail = client.get(url, **HX).content.decode()
    assert "Change history" in detail and "Deactivate" not in detail
    item.refresh_from_db()
    assert item.is_active and RecurringItem.objects.count() == 1


def test_a_supervisor_adds_sees_it_listed_and_deactivates_for_good(
    client, supervisor, account, senior
):
    login(client, supervisor)
    assert b"Add recurring item" in _tab(client, account).content
    form = client.get(reverse("acp:recurring-new", args=[account.number]), **HX)
    assert form.status_code == 200 and b"Times to apply" in form.content
    response = _add(client, account, senior, times_to_apply="3")
    assert response.status_code == 200 and response["HX-Trigger"] == "acp-changed"
    item = RecurringItem.objects.get()
    assert (item.level, item.customer_id, item.times_to_apply) == (
        "customer",
        account.customer_id,
        3,
    )
    assert item.created_by == supervisor and item.description == "Senior discount (65+)"
    html = response.content.decode()
    assert f'data-item="{item.pk}"' in html and "Senior discount (65+)" in html
    created = ChangeRecord.objects.get(object_id=item.pk, action="created")
    assert created.customer_id == account.customer_id
    url = reverse("acp:recurring", args=[account.number, item.pk])
    assert b"Deactivate" in client.get(url, **HX).content
    client.post(url, **HX)
    item.refresh_from_db()
    assert not item.is_active and item.deactivated_at is not None
    change = ChangeRecord.objects.get(object_id=item.pk, field="is_active")
    assert (change.old_value, change.new_value, change.user) == ("Yes", "No", supervisor)
    again = client.post(url, **HX)
    assert b"no longer active" in again.content
    item.refresh_from_db()
    assert not item.is_active
    assert b"Active only" in _tab(client, account).content
    assert f'data-item="{item.pk}"'.encode() not in _tab(client, account, active="1").content


def test_invalid_add_comes_back_with_messages(client, supervisor, account, senior):
    login(client, supervisor)
    response = _add(client, account, senior, times_to_apply="-1", effective_on="")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_times_to_apply_error"' in html and 'id="id_effective_on_error"' in html
    assert not RecurringItem.objects.exists()


def test_another_accounts_item_is_not_reachable(client, supervisor, account, senior):
    from accounts.tests.factories import AccountFactory

    other = AccountFactory()
    item = recurring_item_add(account=other, user=None, level="account", item_type=senior)
    login(client, supervisor)
    url = reverse("acp:recurring", args=[account.number, item.pk])
    assert client.post(url, **HX).status_code == 404
    item.refresh_from_db()
    assert item.is_active


def test_the_marker_is_one_query(rf, csr, account, senior):
    request = rf.get("/")
    request.user = csr
    ctx = PanelContext(request=request, account=account)
    with CaptureQueriesContext(connection) as queries:
        assert has_recurring_items(ctx) is False
    assert len(queries) == 1
    recurring_item_add(
        account=account,
        user=None,
        level="location",
        item_type=senior,
        effective_on=dt.date(2026, 1, 1),
    )
    assert has_recurring_items(ctx) is True
