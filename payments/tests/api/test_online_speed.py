"""The online payment path stays lean (issue 7, "Online speed"): one cash payment through
`POST /api/v1/payment-events/` costs a fixed, small number of SQL statements, and the
checks the database enforces still answer as a clear 400, never a 500."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.ledger_checks import ledger_breaches
from payments.models import PaymentEvent
from payments.services.events import PaymentIn, TenderIn, payment_event_create
from payments.tests.factories import account_with, bill, source, tender_type

pytestmark = pytest.mark.usefixtures("pay_ref")

# Every statement of one request: session and permissions, input lookups, the account
# lock and acceptance, the inserts, distribution, freeze (FTs, GL lines, balances, the
# transition log) and the response. It was 75 before the path was tuned, then 46, then 34.
MAX_QUERIES = 27


@pytest.fixture
def cashier():
    """A CSR signed in with a session, as the panel and the benchmark clients are."""
    user = User.objects.create_user("cashier", password="x")
    user.groups.add(Group.objects.get(name="CSR"))
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def demo_like_account():
    """Four services and two months of bills, like the demo's accounts: 233.00 owed."""
    account, sas = account_with("WATER", "SEWER", "ELEC", "TRASH")
    bill(account, dict(zip(sas, [30, 20, 50, 15], strict=True)), bill_date=dt.date(2025, 12, 1))
    bill(account, dict(zip(sas, [31, 21, 52, 15], strict=True)), bill_date=dt.date(2026, 1, 1))
    return account


def cash_body(account, amount="233.00", **extra) -> dict:
    return {
        "tender_source": "CASHIER",
        "payment_date": "2026-01-15",
        "tenders": [{"tender_type": "CASH", "amount": amount}],
        "payments": [{"account": account.number, "amount": amount}],
        **extra,
    }


def test_one_online_cash_payment_costs_a_bounded_number_of_queries(
    cashier, demo_like_account, django_assert_max_num_queries
):
    """A cashier's payment (the account's whole debt, distributed over its four SAs and
    frozen) is answered in one request of at most MAX_QUERIES statements, so the counter
    stays fast under load and a change that adds a query per constraint or per segment
    shows up here."""
    # given a warm session (the first request of a process loads content types)
    assert (
        cashier.post(
            "/api/v1/payment-events/", cash_body(demo_like_account, "1.00"), format="json"
        ).status_code
        == 201
    )
    # when
    with django_assert_max_num_queries(MAX_QUERIES):
        response = cashier.post(
            "/api/v1/payment-events/", cash_body(demo_like_account), format="json"
        )
    # then
    assert response.status_code == 201, response.data
    payment = response.data["payments"][0]
    assert payment["status"] == "frozen"
    assert len(payment["segments"]) == 4
    assert sum(D(s["amount"]) for s in payment["segments"]) == D("233.00")
    assert {s["sa_type"] for s in payment["segments"]} == {"WATER", "SEWER", "ELEC", "TRASH"}
    assert all(s["ft"] for s in payment["segments"])
    assert response.data["tenders"][0]["tender_type"] == "CASH"
    assert list(ledger_breaches()) == []


def test_duplicate_external_id_is_a_validation_error_not_an_integrity_error(
    demo_like_account,
):
    """The database's one-event-per-external-id constraint, checked on INSERT instead of by
    a query first, still answers a service caller (panel, uploads) with the ValidationError
    naming the external id, and nothing of the second call is kept. (The API answers a
    repeat with the original event: `test_idempotency.py`.)"""

    def create():
        return payment_event_create(
            tender_source=source(),
            payment_date=dt.date(2026, 1, 15),
            tenders=[TenderIn(tender_type=tender_type("CASH"), amount=D("10.00"))],
            payments=[PaymentIn(account=demo_like_account, amount=D("10.00"))],
            external_id="ext-1",
        )

    create()
    with pytest.raises(ValidationError) as refused:
        create()
    assert "external" in str(refused.value).lower()
    assert PaymentEvent.objects.filter(external_id="ext-1").count() == 1
    assert list(ledger_breaches()) == []


def test_a_broken_check_constraint_is_a_validation_error_not_an_integrity_error(
    demo_like_account,
):
    """Services called without the API (panel, uploads) still get the ValidationError
    naming the rule when a row breaks a database check, and nothing is written."""
    with pytest.raises(ValidationError) as refused:
        payment_event_create(
            tender_source=source(),
            payment_date=dt.date(2026, 1, 15),
            tenders=[TenderIn(tender_type=tender_type("CARD"), amount=D("10.00"), last4="12ab")],
            payments=[PaymentIn(account=demo_like_account, amount=D("10.00"))],
        )
    assert "tender_last4_digits" in str(refused.value)
    assert not PaymentEvent.objects.exists()
    assert list(ledger_breaches()) == []


@pytest.mark.parametrize(
    "shape",
    ["overpaid", "two_accounts_by_check", "manual_amounts", "not_distributed", "no_service_yet"],
)
def test_a_new_event_is_answered_exactly_as_reading_it_back(cashier, demo_like_account, shape):
    """The create answer is built from the rows as written instead of reading them back:
    for every shape of event (overpayment, several accounts and a payor, manual amounts,
    undistributed, an account whose excess-credit SA is created on the way) it must equal what
    `GET /payment-events/{id}/` answers afterwards, field for field."""
    other, (other_sa,) = account_with("WATER")
    bill(other, {other_sa: 40}, bill_date=dt.date(2026, 1, 1))
    bare, _ = account_with()
    sa = demo_like_account.agreements.order_by("pk").first()
    bodies = {
        "overpaid": cash_body(demo_like_account, "300.00"),
        "two_accounts_by_check": {
            "tender_source": "CASHIER",
            "payment_date": "2026-01-15",
            "tenders": [
                {
                    "tender_type": "CHECK",
                    "amount": "90.00",
                    "check_number": "1234",
                    "payor_account": other.number,
                }
            ],
            "payments": [
                {"account": demo_like_account.number, "amount": "50.00"},
                {"account": other.number, "amount": "40.00", "comments": "split"},
            ],
        },
        "manual_amounts": cash_body(
            demo_like_account,
            "25.00",
            mode="manual",
            payments=[
                {
                    "account": demo_like_account.number,
                    "amount": "25.00",
                    "sa_amounts": [{"sa": sa.pk, "amount": "25.00"}],
                }
            ],
        ),
        "not_distributed": cash_body(demo_like_account, "12.34", mode="do_not_distribute"),
        "no_service_yet": cash_body(bare, "10.00"),
    }
    created = cashier.post("/api/v1/payment-events/", bodies[shape], format="json")
    assert created.status_code == 201, created.data
    read = cashier.get(f"/api/v1/payment-events/{created.data['id']}/")
    assert read.status_code == 200
    assert created.json() == read.json()
    if shape == "no_service_yet":
        assert created.data["payments"][0]["segments"][0]["is_overpayment"] is True
    assert list(ledger_breaches()) == []
