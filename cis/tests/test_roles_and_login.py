"""Roles exist with the right powers; the login page is served."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command


@pytest.mark.django_db
def test_role_groups_carry_their_permissions():
    csr, supervisor, admin = (
        Group.objects.get(name=n) for n in ("CSR", "Supervisor", "Administrator")
    )
    csr_perms = set(csr.permissions.values_list("codename", flat=True))
    assert {"view_account", "add_note"} <= csr_perms
    assert "reveal_pii" not in csr_perms and "view_private_account" not in csr_perms
    assert "reveal_pii" in supervisor.permissions.values_list("codename", flat=True)
    assert admin.permissions.filter(codename="view_private_account").exists()


def test_login_page_is_served_and_the_panel_needs_a_login(client, db):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    page = client.get("/login/")
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content


def test_demo_users_log_in_with_printed_credentials(client, db, capsys):
    call_command("demo_users")
    out = capsys.readouterr().out
    assert "csr / csr-demo-pass" in out
    assert client.login(username="csr", password="csr-demo-pass")
    assert User.objects.get(username="csr").groups.filter(name="CSR").exists()
    assert client.get("/").status_code == 200


def test_openapi_schema_is_served(client, db):
    client.force_login(User.objects.create_user("reader", password="x"))
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/bills/" in response.content


@pytest.mark.django_db
def test_a_supervisor_deletes_payments_a_csr_cancels_them():
    """issue 7 item 13: the role table, the API and the panel agree that deleting an
    unposted payment, event or tender is a Supervisor's; a CSR adds, changes and cancels
    (with a reason). The API and panel checks are tested in payments/tests."""
    perms = {
        name: set(
            Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="payments")
            .values_list("codename", flat=True)
        )
        for name in ("CSR", "Supervisor", "Administrator")
    }
    deletes = {"delete_payment", "delete_paymentevent", "delete_tender"}
    assert {"add_payment", "change_payment", "change_tender"} <= perms["CSR"]
    assert not deletes & perms["CSR"]
    assert deletes <= perms["Supervisor"] and deletes <= perms["Administrator"]
