"""What the accounts API (bills, adjustments, account reads) refuses, and how (issue 7
items 14, 15, 22): 400s naming the field, never a 500."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.ledger_checks import ledger_breaches
from accounts.models import Adjustment, Bill
from accounts.tests.factories import ServiceAgreementFactory


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.fixture
def sa(reference_data):
    return ServiceAgreementFactory()


def bill_body(sa, **extra):
    today = timezone.localdate()
    return {
        "account": sa.account.number,
        "bill_date": today.isoformat(),
        "due_date": (today + dt.timedelta(days=21)).isoformat(),
        "segments": [{"sa": sa.pk, "amount": "40.00"}],
        **extra,
    }


def test_a_bill_dated_9999_12_31_is_refused(api, sa):
    """A bill dated 9999-12-31 used to be completed."""
    response = api.post(
        "/api/v1/bills/",
        bill_body(sa, bill_date="9999-12-31", due_date="9999-12-31"),
        format="json",
    )
    assert response.status_code == 400
    assert "bill_date" in response.json() and "due_date" in response.json()
    response = api.post("/api/v1/bills/", bill_body(sa, bill_date="1900-01-01"), format="json")
    assert response.status_code == 400 and "bill_date" in response.json()
    assert not Bill.objects.exists()
    assert api.post("/api/v1/bills/", bill_body(sa), format="json").status_code == 201


@pytest.mark.parametrize("amount", ["999999999999.99", "1_000", "1e3", "\u0664\u0660"])
def test_bill_segment_and_adjustment_amounts_are_plain_and_bounded(api, sa, amount):
    data = bill_body(sa)
    data["segments"][0]["amount"] = amount
    response = api.post("/api/v1/bills/", data, format="json")
    assert response.status_code == 400 and "segments" in response.json()
    response = api.post(
        "/api/v1/adjustments/",
        {"sa": sa.pk, "adjustment_type": "MISC", "amount": amount},
        format="json",
    )
    assert response.status_code == 400 and "amount" in response.json()
    assert not Bill.objects.exists() and not Adjustment.objects.exists()
    assert list(ledger_breaches()) == []


def test_an_adjustment_that_would_overflow_the_balance_is_a_400(api, sa, settings):
    """Even under a raised maximum, the ledger's own bound answers 400, not a 500."""
    settings.OPENCIS_MAX_AMOUNT = "999999999999.99"
    data = {"sa": sa.pk, "adjustment_type": "MISC", "amount": "999999999999.99"}
    assert api.post("/api/v1/adjustments/", data, format="json").status_code == 201
    response = api.post("/api/v1/adjustments/", data, format="json")
    assert response.status_code == 400
    assert "ledger can hold" in response.json()["detail"]
    assert Adjustment.objects.count() == 1
    assert list(ledger_breaches()) == []


@pytest.mark.parametrize(
    "url", ["/api/v1/accounts/%00/", "/api/v1/accounts/%00/aging/", "/api/v1/accounts/1%002/"]
)
def test_a_nul_byte_in_the_account_number_is_a_400(api, sa, url):
    """GET /api/v1/accounts/%00/ used to be a 500 (DataError)."""
    response = api.get(url)
    assert response.status_code == 400
    assert response.json() == {"detail": "Null characters are not allowed."}


def test_a_nul_byte_in_a_lookup_field_is_a_400(api, sa):
    data = bill_body(sa, account="\u0000")
    assert api.post("/api/v1/bills/", data, format="json").status_code == 400
    response = api.post(
        "/api/v1/adjustments/",
        {"sa": sa.pk, "adjustment_type": "MI\u0000SC", "amount": "5.00"},
        format="json",
    )
    assert response.status_code == 400 and "adjustment_type" in response.json()


def test_reasons_are_capped_and_never_a_card_number(api, sa):
    for reason in ["x" * 201, "card 4111111111111111"]:
        response = api.post(
            "/api/v1/adjustments/",
            {"sa": sa.pk, "adjustment_type": "MISC", "amount": "5.00", "reason": reason},
            format="json",
        )
        assert response.status_code == 400 and "reason" in response.json()
