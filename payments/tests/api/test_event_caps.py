"""Work per request is capped: an online payment event takes at most
OPENCIS_MAX_PAYMENTS_PER_EVENT payments and OPENCIS_MAX_TENDERS_PER_EVENT tenders, so one
request cannot hold a worker (and the accounts' locks) for tens of seconds. Bigger jobs go
through the payment upload (the bulk path), which is exempt."""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal as D

import pytest
from django.test import override_settings

from accounts.ledger_checks import ledger_breaches
from payments.models import Payment, PaymentEvent
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.tests.factories import account_with, source, tender_type

pytestmark = pytest.mark.usefixtures("pay_ref")


def body(accounts, tenders: int = 1, amount: str = "10.00"):
    total = D(amount) * len(accounts)
    return {
        "tender_source": "CASHIER",
        "payment_date": "2026-01-15",
        "tenders": [{"tender_type": "CASH", "amount": str(total / tenders)}] * tenders,
        "payments": [{"account": a.number, "amount": amount} for a in accounts],
    }


@override_settings(OPENCIS_MAX_PAYMENTS_PER_EVENT=3)
def test_an_event_over_the_payment_cap_is_a_400_pointing_at_the_upload(csr):
    """A cashier's request with more payments than the cap is refused before any work, and
    the message says where bigger jobs go."""
    accounts = [account_with("WATER")[0] for _ in range(4)]
    response = csr.post("/api/v1/payment-events/", body(accounts), format="json")
    assert response.status_code == 400, response.data
    assert "at most 3 payments" in str(response.data["detail"])
    assert "upload" in str(response.data["detail"])
    assert not PaymentEvent.objects.exists()
    # at the cap it is taken
    response = csr.post("/api/v1/payment-events/", body(accounts[:3]), format="json")
    assert response.status_code == 201, response.data
    assert Payment.objects.filter(status="frozen").count() == 3
    assert list(ledger_breaches()) == []


@override_settings(OPENCIS_MAX_TENDERS_PER_EVENT=2)
def test_an_event_over_the_tender_cap_is_a_400(csr):
    (account,) = [account_with("WATER")[0]]
    response = csr.post("/api/v1/payment-events/", body([account], tenders=4), format="json")
    assert response.status_code == 400, response.data
    assert "at most 2 tenders" in str(response.data["detail"])
    assert not PaymentEvent.objects.exists()
    response = csr.post("/api/v1/payment-events/", body([account], tenders=2), format="json")
    assert response.status_code == 201, response.data


@override_settings(OPENCIS_MAX_PAYMENTS_PER_EVENT=1)
def test_the_cap_also_holds_for_a_new_allocation(csr):
    """Replacing an event's payments by a new allocation counts against the cap."""
    a, b = account_with("WATER")[0], account_with("WATER")[0]
    created = csr.post(
        "/api/v1/payment-events/",
        {**body([a], amount="20.00"), "mode": "do_not_distribute"},
        format="json",
    )
    assert created.status_code == 201, created.data
    response = csr.put(
        f"/api/v1/payment-events/{created.data['id']}/allocation/",
        {"payments": [{"account": n, "amount": "10.00"} for n in (a.number, b.number)]},
        format="json",
    )
    assert response.status_code == 400, response.data
    assert "at most 1 payment" in str(response.data["detail"])
    assert Payment.objects.get().account == a


@override_settings(OPENCIS_MAX_PAYMENTS_PER_EVENT=1)
def test_the_bulk_path_is_exempt():
    """Uploads and autopay post through the bulk path, which has its own chunking."""
    accounts = [account_with("WATER")[0] for _ in range(3)]
    items = [
        BulkPayment(
            account_id=a.pk,
            amount=D("5.00"),
            tender_type_id=tender_type("CHECK").pk,
            accounting_date=dt.date(2026, 1, 15),
        )
        for a in accounts
    ]
    result = payments_post_bulk(items=items, tender_source=source())
    assert result.frozen == 3


def test_the_caps_come_from_the_environment():
    """Defaults 100 payments and 20 tenders; OPENCIS_MAX_*_PER_EVENT change them."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.OPENCIS_MAX_PAYMENTS_PER_EVENT, s.OPENCIS_MAX_TENDERS_PER_EVENT)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCIS_MAX_")}
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert default.stdout.split() == ["100", "20"], default.stderr
    env |= {"OPENCIS_MAX_PAYMENTS_PER_EVENT": "7", "OPENCIS_MAX_TENDERS_PER_EVENT": "3"}
    changed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert changed.stdout.split() == ["7", "3"], changed.stderr
