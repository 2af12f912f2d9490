"""Autopay payments by API (seed 001 steps 3.1-4.9): create, list, freeze, redistribute,
delete; the same rules as the services, private accounts not found."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from autopay.models import Clearing

from .factories import draft_enrollment


@pytest.fixture
def api(csr) -> APIClient:
    client = APIClient()
    client.force_authenticate(csr)
    return client


@pytest.fixture
def enrolled(account, autopay_reference):
    draft_enrollment(account)
    return account


def test_a_csr_creates_lists_and_deletes_an_autopay_payment(api, enrolled):
    url = f"/api/v1/accounts/{enrolled.number}/autopay-payments/"
    created = api.post(url, {"amount": "60.00"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "frozen" and body["amount"] == "60.00"
    assert body["payment"] and body["tender"]
    assert [row["id"] for row in api.get(url).json()] == [body["id"]]
    deleted = api.post(
        f"/api/v1/autopay-payments/{body['id']}/delete/",
        {"comment": "paid by phone"},
        format="json",
    )
    assert deleted.status_code == 200, deleted.json()
    assert deleted.json()["status"] == "cancelled"
    enrolled.refresh_from_db()
    assert enrolled.balance == D("100.00")
    call_command("check_ledger")


def test_created_then_frozen_then_redistributed(api, enrolled):
    url = f"/api/v1/accounts/{enrolled.number}/autopay-payments/"
    body = api.post(url, {"freeze": False}, format="json").json()
    assert body["status"] == "created" and body["payment"] is None
    frozen = api.post(f"/api/v1/autopay-payments/{body['id']}/freeze/").json()
    assert frozen["status"] == "frozen"
    again = api.post(
        f"/api/v1/autopay-payments/{body['id']}/redistribute/", {"comment": "x"}, format="json"
    )
    assert again.status_code == 200, again.json()
    assert again.json()["payment"] != frozen["payment"]
    assert again.json()["tender"] == frozen["tender"]
    call_command("check_ledger")


def test_refusals_answer_400(api, enrolled):
    url = f"/api/v1/accounts/{enrolled.number}/autopay-payments/"
    body = api.post(url, {}, format="json").json()
    no_comment = api.post(f"/api/v1/autopay-payments/{body['id']}/delete/", {}, format="json")
    assert no_comment.status_code == 400
    bad_reason = api.post(
        f"/api/v1/autopay-payments/{body['id']}/redistribute/", {"reason": "NSF"}, format="json"
    )
    assert bad_reason.status_code == 400
    Clearing.objects.filter(pk=body["id"]).update(status=Clearing.Status.EXTRACTED)
    late = api.post(
        f"/api/v1/autopay-payments/{body['id']}/delete/", {"comment": "late"}, format="json"
    )
    assert late.status_code == 400


def test_private_accounts_autopay_payments_are_not_found(api, private_account, autopay_reference):
    enrollment = draft_enrollment(private_account)
    clearing = Clearing.objects.create(
        enrollment=enrollment,
        account=private_account,
        kind=enrollment.kind,
        status=Clearing.Status.CREATED,
        amount=D("10.00"),
        extract_on=dt.date(2026, 1, 20),
        gl_distribution_on=dt.date(2026, 1, 22),
        payment_on=dt.date(2026, 1, 20),
    )
    assert api.get(f"/api/v1/autopay-payments/{clearing.pk}/").status_code == 404
    assert (
        api.get(f"/api/v1/accounts/{private_account.number}/autopay-payments/").status_code == 404
    )
