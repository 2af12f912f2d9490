"""Duplicate submissions through the payments API (issue 7 item 16): an `Idempotency-Key`
header, or an event's `external_id`, makes a repeat return the original result (200)
instead of moving money twice; a key reused for a different request is a 409; never a
500, also when the two requests arrive at the same moment."""

import threading

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from rest_framework.test import APIClient

from accounts.ledger_checks import ledger_breaches
from cis.models import IdempotencyKey
from payments.models import Payment, PaymentEvent
from payments.tests.factories import account_with, bill

pytestmark = pytest.mark.usefixtures("pay_ref")


def _cashier(name="cashier", group="CSR") -> User:
    user = User.objects.create_user(name, password="x")
    user.groups.add(Group.objects.get(name=group))
    return user


def _client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def csr():
    return _client(_cashier())


@pytest.fixture
def billed():
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    return account


def event_body(account, amount="70.00", tender_type="CASH", **extra):
    return {
        "tender_source": "CASHIER",
        "payment_date": "2026-01-15",
        "tenders": [{"tender_type": tender_type, "amount": amount}],
        "payments": [{"account": account.number, "amount": amount}],
        **extra,
    }


def post_event(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/payment-events/", body, format="json", **headers)


@pytest.mark.django_db
def test_a_repeated_key_returns_the_original_event_and_pays_once(csr, billed):
    """A cashier's client that times out and posts again with the same key gets the
    first answer back: one event, one payment, the account credited once."""
    first = post_event(csr, event_body(billed), key="till-3-0001")
    again = post_event(csr, event_body(billed), key="till-3-0001")
    assert first.status_code == 201, first.data
    assert again.status_code == 200, again.data
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert PaymentEvent.objects.count() == 1 and Payment.objects.count() == 1
    billed.refresh_from_db()
    assert str(billed.balance) == "0.00"
    assert list(ledger_breaches()) == []


@pytest.mark.django_db
def test_a_key_reused_for_a_different_request_is_a_conflict(csr, billed):
    """A key names one request: another body (or endpoint) under it is refused, not run."""
    assert post_event(csr, event_body(billed), key="k-1").status_code == 201
    other = post_event(csr, event_body(billed, "10.00"), key="k-1")
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"]
    assert PaymentEvent.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_user(csr, billed):
    """Two integrations choosing the same key do not see each other's results."""
    other = _client(_cashier("other"))
    assert post_event(csr, event_body(billed, "30.00"), key="same").status_code == 201
    assert post_event(other, event_body(billed, "40.00"), key="same").status_code == 201
    assert PaymentEvent.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_request_does_not_keep_its_key(csr, billed):
    """A request a rule refused moved no money: fixing it and posting again with the same
    key runs it."""
    body = event_body(billed)
    body["tenders"][0]["amount"] = "60.00"  # does not balance the payments
    assert post_event(csr, body, key="k-2").status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert post_event(csr, event_body(billed), key="k-2").status_code == 201


@pytest.mark.django_db
def test_an_unusable_key_is_a_400(csr, billed):
    for key in ("x" * 256, "bad\x00key"):
        response = post_event(csr, event_body(billed), key=key)
        assert response.status_code == 400, key
        assert "Idempotency-Key" in response.json()["detail"]
    assert not PaymentEvent.objects.exists()


@pytest.mark.django_db
def test_the_same_external_id_again_returns_the_original_event(csr, billed):
    """A lockbox or processor integration re-sending a transaction gets the event it
    created, not a constraint message; different content under that id is a 409."""
    first = post_event(csr, event_body(billed, external_id="LBX-77"))
    again = post_event(csr, event_body(billed, external_id="LBX-77"))
    assert first.status_code == 201, first.data
    assert again.status_code == 200, again.data
    assert again.json()["id"] == first.json()["id"]
    changed = post_event(csr, event_body(billed, "20.00", external_id="LBX-77"))
    assert changed.status_code == 409
    assert "LBX-77" in changed.json()["detail"]
    assert PaymentEvent.objects.count() == 1
    assert list(ledger_breaches()) == []


@pytest.mark.django_db
def test_a_repeated_tender_cancel_with_its_key_answers_the_first_result(csr, billed):
    """An NSF return retried by the bank integration levies the fee once and answers the
    first cancel's result instead of 'the tender is cancelled'."""
    admin = _client(_cashier("sup", "Supervisor"))
    check = event_body(billed, tender_type="CHECK")
    check["tenders"][0]["check_number"] = "1001"
    tender = post_event(csr, check).json()["tenders"][0]["id"]
    url = f"/api/v1/tenders/{tender}/cancel/"
    body = {"reason": "NSF", "comment": "returned"}
    first = admin.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="ret-1")
    again = admin.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="ret-1")
    assert first.status_code == 200, first.data
    assert again.status_code == 200 and again.json() == first.json()
    billed.refresh_from_db()
    assert str(billed.balance) == "95.00"  # 70.00 owed again plus one 25.00 NSF fee
    assert list(ledger_breaches()) == []


def _race(*posts):
    """Send the posts at the same moment, each on its own database connection."""
    barrier = threading.Barrier(len(posts))
    results = [None] * len(posts)

    def run(i, post):
        try:
            barrier.wait()
            results[i] = post()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_posts_with_one_key_at_the_same_moment_make_one_event(billed):
    """PostgreSQL, two connections: exactly one event; the other caller gets the original
    result (200) or is told the first is in progress (409), never a 500."""
    user = _cashier()
    body = event_body(billed)
    results = _race(*(lambda: post_event(_client(user), body, key="race-1") for _ in range(2)))
    codes = sorted(r.status_code for r in results)
    assert codes in ([200, 201], [201, 409]), [r.content for r in results]
    assert PaymentEvent.objects.count() == 1
    assert list(ledger_breaches()) == []


@pytest.mark.django_db(transaction=True)
def test_two_posts_with_one_external_id_at_the_same_moment_make_one_event(billed):
    """The database's one-event-per-external-id constraint, hit concurrently, answers the
    original event instead of a 500 (IntegrityError)."""
    user = _cashier()
    body = event_body(billed, external_id="WEB-9")
    results = _race(*(lambda: post_event(_client(user), body) for _ in range(2)))
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 201], [r.content for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    assert PaymentEvent.objects.count() == 1
    assert list(ledger_breaches()) == []


@pytest.mark.django_db
def test_the_schema_documents_the_idempotency_key_header(csr):
    """Integrators learn of the header from the schema, on every money-moving POST."""
    import yaml

    schema = yaml.safe_load(csr.get("/api/schema/").content)
    for path in (
        "/api/v1/payment-events/",
        "/api/v1/payments/{id}/cancel/",
        "/api/v1/payments/{id}/transfer/",
        "/api/v1/tenders/{id}/cancel/",
        "/api/v1/tenders/{id}/return/",
        "/api/v1/check-cashing/",
    ):
        names = [p["name"] for p in schema["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path
