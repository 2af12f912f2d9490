"""Enrollment through the REST API (issue 10 item 1)."""

import pytest
from rest_framework.test import APIClient

from autopay.models import Enrollment

from .test_enrollment import CARD, DRAFT


@pytest.fixture
def api(csr) -> APIClient:
    client = APIClient()
    client.force_authenticate(csr)
    return client


def test_set_up_change_and_stop_by_api_never_shows_the_bank_number(api, account):
    url = f"/api/v1/accounts/{account.number}/autopays/"
    created = api.post(url, DRAFT, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["masked_number"].endswith("6789") and "000123456789" not in str(body)
    assert "bank_account_number" not in body
    again = api.post(url, CARD, format="json")
    assert again.status_code == 400 and "already" in str(again.json())
    changed = api.patch(
        f"/api/v1/autopays/{body['id']}/",
        {"amount_option": "fixed", "amount": "60.00"},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["amount"] == "60.00"
    stopped = api.post(
        f"/api/v1/autopays/{body['id']}/stop/", {"reason": "customer"}, format="json"
    )
    assert stopped.status_code == 200 and stopped.json()["stop_reason"] == "customer"
    listed = api.get(url).json()
    assert [row["id"] for row in listed] == [body["id"]]


@pytest.mark.parametrize(
    "change",
    [
        {"routing_number": "011000016"},
        {"amount_option": "fixed", "amount": "1e3"},
        {"amount_option": "fixed", "amount": "999999999999.99"},
        {"kind": "cash"},
        {"kind": "card", "card_token": "4242424242424242"},
    ],
)
def test_bad_enrollments_get_400_with_the_field(api, account, change):
    response = api.post(
        f"/api/v1/accounts/{account.number}/autopays/", {**DRAFT, **change}, format="json"
    )
    assert response.status_code == 400, response.content
    assert not Enrollment.objects.exists()


def test_private_accounts_and_their_enrollments_are_not_found(api, private_account, csr):
    from autopay.services.enrollment import autopay_enroll

    enrollment = autopay_enroll(account=private_account, user=csr, data=DRAFT)
    assert api.get(f"/api/v1/accounts/{private_account.number}/autopays/").status_code == 404
    assert api.get(f"/api/v1/autopays/{enrollment.pk}/").status_code == 404
    assert (
        api.post(f"/api/v1/autopays/{enrollment.pk}/stop/", {"reason": "customer"}).status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/accounts/{private_account.number}/autopays/", CARD, format="json"
        ).status_code
        == 404
    )


def test_a_user_without_the_role_is_refused(account):
    from django.contrib.auth.models import User

    client = APIClient()
    client.force_authenticate(User.objects.create_user("norole"))
    assert client.get(f"/api/v1/accounts/{account.number}/autopays/").status_code == 403
