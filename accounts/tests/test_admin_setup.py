"""Setup tables a utility maintains (seed 004 "Setup > System > Account Status", "Setup
Contact Type", "Setup Document Types", "Setup Special Conditions"; seed 000 "Service Order
Class for reconnects", "Tier Status"): listed and added in the admin, and a code added
there is offered on the panel."""

import re

import pytest
from django.contrib.auth.models import User

from accounts.models import AccountStatusCode

SETUP = [
    "accounts/accountstatuscode",
    "accounts/contacttype",
    "accounts/documenttype",
    "accounts/specialconditiontype",
    "accounts/recurringitemtype",
    "accounts/udccaption",
    "accounts/notetype",
    "accounts/todotype",
    "serviceorders/serviceorderclass",
    "serviceorders/tierstatus",
    "serviceorders/reconnectoptions",  # one row, added by the reference data
]


@pytest.fixture
def admin_client(db, client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("table", SETUP)
def test_setup_tables_are_maintained_in_the_admin(admin_client, table):
    assert admin_client.get(f"/admin/{table}/").status_code == 200
    if table != "serviceorders/reconnectoptions":
        assert admin_client.get(f"/admin/{table}/add/").status_code == 200


def test_an_account_status_added_in_setup_is_offered_on_the_customer_id_form(
    admin_client, reference_data
):
    from accounts.acp.forms import CustomerIdForm

    response = admin_client.post(
        "/admin/accounts/accountstatuscode/add/",
        {"code": "ONWATCH9", "description": "On watch", "is_active": "on"},
    )
    assert response.status_code == 302, re.findall(
        r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S
    )
    labels = [label for _, label in CustomerIdForm().fields["account_status"].choices]
    assert "On watch" in labels
    AccountStatusCode.objects.filter(code="ONWATCH9").update(is_active=False)
    labels = [label for _, label in CustomerIdForm().fields["account_status"].choices]
    assert "On watch" not in labels
