"""History tab > Refund over HTTP (issue 13 item 2): who may request, approve, reject."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AdjustmentType, Refund, SAType
from accounts.services.adjustments import adjustment_create
from accounts.tests.conftest import PASSWORD
from accounts.tests.factories import ServiceAgreementFactory

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def credit_account(account):
    excess = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="EXCESS"))
    adjustment_create(
        sa=excess,
        adjustment_type=AdjustmentType.objects.get(code="CREDIT"),
        amount=Decimal("-130.00"),
    )
    return account  # owes 100.00 on water: 30.00 of the account's own credit


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _request(client, account, **fields):
    data = {"amount": "30.00", "method": "check", "reason": "Overpaid", **fields}
    data.setdefault("bank_account_type", "checking")
    return client.post(reverse("acp:refund-new", args=[account.number]), data, **HX)


def test_csr_requests_supervisor_approves(client, credit_account, csr, supervisor):
    _login(client, csr)
    form = client.get(reverse("acp:refund-new", args=[credit_account.number]), **HX)
    assert 'value="30.00"' in form.content.decode()
    assert _request(client, credit_account, amount="30.01").status_code == 422
    response = _request(client, credit_account)
    assert response.status_code == 200
    assert "awaits a supervisor" in response.content.decode()
    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (Decimal("30.00"), Refund.Status.REQUESTED)
    approve = reverse("acp:refund-action", args=[credit_account.number, refund.pk, "approve"])
    assert client.post(approve, **HX).status_code == 403
    client.logout()
    _login(client, supervisor)
    tab = client.get(reverse("acp:tab", args=[credit_account.number, "history"]), **HX)
    assert f'data-refund="{refund.pk}"' in tab.content.decode()
    assert ">Approve</button>" in tab.content.decode()
    response = client.post(approve, **HX)
    assert "approved and posted" in response.content.decode()
    credit_account.refresh_from_db()
    assert credit_account.balance == Decimal("0.00")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.APPROVED


def test_ach_request_needs_the_bank_numbers_and_shows_only_the_mask(client, credit_account, csr):
    _login(client, csr)
    response = _request(client, credit_account, method="ach")
    assert response.status_code == 422
    assert "Required for an ACH refund." in response.content.decode()
    response = _request(
        client,
        credit_account,
        method="ach",
        routing_number="011000015",
        bank_account_number="123456789",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "\u2022\u2022\u2022\u20226789" in page
    assert "123456789" not in page


def test_the_api_lists_an_accounts_refunds_masked(credit_account, csr):
    from rest_framework.test import APIClient

    from accounts.services.refunds import refund_request

    refund_request(
        account=credit_account,
        amount=Decimal("12.50"),
        method="ach",
        reason="Overpaid",
        user=csr,
        routing_number="011000015",
        bank_account_number="123456789",
    )
    api = APIClient()
    api.force_authenticate(csr)
    response = api.get(f"/api/v1/accounts/{credit_account.number}/refunds/")
    assert response.status_code == 200
    (row,) = response.json()
    assert (row["amount"], row["method"], row["status"]) == ("12.50", "ach", "requested")
    assert row["bank_account_masked"] == "\u2022\u2022\u2022\u20226789"
    assert "123456789" not in response.content.decode()
    assert api.get("/api/v1/accounts/NOPE/refunds/").status_code == 404
