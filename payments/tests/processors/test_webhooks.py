"""Processor webhooks (issue 11 item 3): signed, idempotent by transaction id, posted and
frozen on the processor's tender control for the day; reversals cancel."""

import json
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from accounts.ledger_checks import ledger_breaches
from accounts.tests.factories import AccountFactory
from payments.models import Payment, PaymentEvent, Tender, TenderControl
from payments.processors.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_receive,
    webhook_sign,
)
from payments.signals import payment_frozen
from payments.tests.factories import captured

from .conftest import body_of, deliver, now

pytestmark = pytest.mark.django_db(transaction=False)


def test_a_good_webhook_posts_and_freezes_one_payment_on_the_processors_control(
    owing_account, django_capture_on_commit_callbacks
):
    with captured(payment_frozen) as sent, django_capture_on_commit_callbacks(execute=True):
        r = deliver(body_of(owing_account))
    assert r.status_code == 201, r.content
    data = r.json()
    payment = Payment.objects.select_related("event", "event__tender_source").get()
    assert data == {
        "payment_id": payment.pk,
        "event_id": payment.event_id,
        "account": owing_account.number,
        "amount": "84.20",
        "status": "frozen",
        "transaction_id": "PUS-1",
    }
    assert payment.status == Payment.Status.FROZEN
    assert payment.event.tender_source.code == "PAYMENTUS"
    assert payment.event.external_id == "PUS-1"
    tender = Tender.objects.select_related("tender_control__deposit_control").get()
    assert tender.tender_type.code == "CARD" and tender.amount == D("84.20")
    control = tender.tender_control
    assert control.tender_source.code == "PAYMENTUS"
    assert control.deposit_control.deposit_date == timezone.localdate()
    assert sent and sent[0]["payment_ids"] == [payment.pk]
    assert list(ledger_breaches()) == []


def test_one_control_per_processor_per_day(owing_account):
    other = AccountFactory()
    assert deliver(body_of(owing_account, transaction_id="A")).status_code == 201
    assert deliver(body_of(other, transaction_id="B", amount="5.00")).status_code == 201
    r = deliver(body_of(other, transaction_id="C", method="ach"), "cdsglobal")
    assert r.status_code == 201
    controls = TenderControl.objects.order_by("pk")
    assert [c.tender_source.code for c in controls] == ["PAYMENTUS", "CDSGLOBAL"]
    assert Tender.objects.filter(tender_control=controls[0]).count() == 2
    assert Tender.objects.get(external_id="C").tender_type.code == "ACH"


def test_web_self_care_posts_under_the_web_source(owing_account):
    r = deliver(body_of(owing_account), "webselfcare")
    assert r.status_code == 201, r.content
    assert PaymentEvent.objects.get().tender_source.code == "WEB"


def test_the_same_transaction_again_answers_the_original_and_posts_nothing(owing_account):
    first = deliver(body_of(owing_account))
    again = deliver(body_of(owing_account))
    third = deliver(body_of(owing_account, amount="1.00"))  # same id, whatever the body
    assert first.status_code == 201
    assert again.status_code == 200 and again.json() == first.json()
    assert third.status_code == 200 and third.json() == first.json()
    assert PaymentEvent.objects.count() == 1 and Payment.objects.count() == 1
    assert Tender.objects.aggregate(s=Sum("amount"))["s"] == D("84.20")


def test_the_same_transaction_id_at_another_processor_is_another_payment(owing_account):
    assert deliver(body_of(owing_account, amount="10.00")).status_code == 201
    assert deliver(body_of(owing_account, amount="10.00"), "cdsglobal").status_code == 201
    assert Payment.objects.count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        "timestamp-only",  # a fresh timestamp, taken when the test runs, and no signature
        {SIGNATURE_HEADER: "v1=00"},
        "wrong-secret",
        "other-body",
        "other-processor",
        "no-scheme",
    ],
)
def test_a_bad_or_missing_signature_is_refused(owing_account, headers):
    body = body_of(owing_account)
    if headers == "timestamp-only":
        headers = {TIMESTAMP_HEADER: str(now())}
    elif headers == "wrong-secret":
        headers = webhook_sign(processor="paymentus", body=body, secret="guess")
    elif headers == "other-body":
        headers = webhook_sign(processor="paymentus", body=body + b" ")
    elif headers == "other-processor":
        headers = webhook_sign(processor="cdsglobal", body=body)
    elif headers == "no-scheme":
        headers = webhook_sign(processor="paymentus", body=body)
        headers[SIGNATURE_HEADER] = headers[SIGNATURE_HEADER].removeprefix("v1=")
    r = deliver(body, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"detail": "missing or invalid signature"}
    assert not PaymentEvent.objects.exists()


@pytest.mark.parametrize("age", [301, -301, 10**9])
def test_a_stale_or_future_timestamp_is_refused(owing_account, age):
    r = deliver(body_of(owing_account), timestamp=now() - age)
    assert r.status_code == 401
    assert not PaymentEvent.objects.exists()


def test_a_timestamp_within_five_minutes_is_accepted(owing_account):
    assert deliver(body_of(owing_account), timestamp=now() - 290).status_code == 201


def test_during_a_rotation_the_previous_secret_is_accepted_too(owing_account, monkeypatch):
    rotating = {"paymentus": ["new-secret", "old-secret"], "cdsglobal": [], "webselfcare": []}
    with override_settings(OPENCIS_WEBHOOK_SECRETS=rotating):
        old = deliver(body_of(owing_account, transaction_id="1"), secret="old-secret")
        new = deliver(body_of(owing_account, transaction_id="2"), secret="new-secret")
        sandbox = deliver(
            body_of(owing_account, transaction_id="3"), secret="sandbox-paymentus-secret"
        )
        unset = deliver(body_of(owing_account, transaction_id="4"), "cdsglobal", secret="x")
    assert (old.status_code, new.status_code) == (201, 201)
    assert sandbox.status_code == 401  # a secret no longer configured
    assert unset.status_code == 401  # no secret: everything is refused
    assert Payment.objects.count() == 2


def test_the_sandbox_secrets_stand_in_only_when_asked_for():
    """cis/settings.py: production (no DEBUG, no OPENCIS_WEBHOOK_SANDBOX_SECRETS) has no
    default secret, so an unconfigured processor refuses everything."""
    import importlib
    import os

    from cis import settings as base

    saved = dict(os.environ)
    try:
        os.environ.pop("OPENCIS_WEBHOOK_SANDBOX_SECRETS", None)
        os.environ.pop("OPENCIS_WEBHOOK_SECRET_PAYMENTUS", None)
        os.environ["DJANGO_DEBUG"] = "false"
        os.environ["OPENCIS_WEBHOOK_SECRET_CDSGLOBAL"] = "cds-now"
        os.environ["OPENCIS_WEBHOOK_SECRET_CDSGLOBAL_PREVIOUS"] = "cds-before"
        reloaded = importlib.reload(base)
        assert reloaded.OPENCIS_WEBHOOK_SECRETS["paymentus"] == []
        assert reloaded.OPENCIS_WEBHOOK_SECRETS["cdsglobal"] == ["cds-now", "cds-before"]
    finally:
        os.environ.clear()
        os.environ.update(saved)
        importlib.reload(base)


def test_an_unknown_processor_is_404(owing_account):
    body = body_of(owing_account)
    headers = webhook_sign(processor="paymentus", body=body)
    assert deliver(body, "stripe", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "fields, errors",
    [
        ({"amount": "0"}, {"amount"}),
        ({"amount": "-5.00"}, {"amount"}),
        ({"amount": "1000000000000.00"}, {"amount"}),
        ({"amount": "1e400"}, {"amount"}),
        ({"amount": "NaN"}, {"amount"}),
        ({"amount": "12.345"}, {"amount"}),
        ({"amount": "twelve"}, {"amount"}),
        ({"amount": None}, {"amount"}),
        ({"amount": True}, {"amount"}),
        ({"transaction_id": None}, {"transaction_id"}),
        ({"transaction_id": "x" * 81}, {"transaction_id"}),
        ({"transaction_id": "T\x00"}, {"transaction_id"}),
        ({"payer_name": "Pat\x00"}, {"payer_name"}),
        ({"payment_date": "15/01/2026"}, {"payment_date"}),
        ({"payment_date": None}, {"payment_date"}),
        ({"method": "cash"}, {"method"}),
        ({"type": "chargeback"}, {"type"}),
        ({"account": ["1"]}, {"account"}),
        ({"account": "9999999999"}, {"account"}),
        ({"amount": "0", "method": "x", "payment_date": "x"}, {"amount", "method", "payment_date"}),
    ],
)
def test_a_malformed_body_is_400_with_field_messages(owing_account, fields, errors):
    r = deliver(body_of(owing_account, **fields))
    assert r.status_code == 400, r.content
    assert set(r.json()) == errors
    assert not PaymentEvent.objects.exists()


def test_an_unknown_account_answers_the_same_for_a_private_one(owing_account):
    """The answer never tells a processor (or anyone with a leaked secret) more than 'not
    one of ours' about a number; private accounts are ordinary accounts to a processor."""
    r = deliver(body_of(None, account="0000000000"))
    assert r.status_code == 400 and r.json() == {"account": ["unknown account"]}


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'{"a": 1', b"\xff\xfe", b"null"])
def test_a_body_that_is_not_a_json_object_is_400(pay_ref, raw):
    r = deliver(raw)
    assert r.status_code == 400 and "detail" in r.json()


def test_a_nul_byte_in_the_raw_body_is_400(owing_account):
    raw = body_of(owing_account).replace(b'"Pat Doe"', b'"Pat\\u0000Doe"')
    r = deliver(raw)
    assert r.status_code == 400 and set(r.json()) == {"payer_name"}


def test_a_reversal_cancels_the_payment_with_the_processors_reason(owing_account):
    assert deliver(body_of(owing_account)).status_code == 201
    reversal = body_of(None, type="reversal", reason="chargeback", account=None, amount=None)
    r = deliver(reversal)
    assert r.status_code == 200, r.content
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.CANCELLED
    assert payment.cancel_reason.code == "PROCREV"
    assert "chargeback" in payment.cancel_comment
    assert Tender.objects.get().status == Tender.Status.CANCELLED
    assert r.json()["payments"] == [
        {
            "payment_id": payment.pk,
            "account": owing_account.number,
            "amount": "84.20",
            "status": "cancelled",
            "cancel_reason": "PROCREV",
        }
    ]
    again = deliver(reversal)
    assert again.status_code == 200 and again.json() == r.json()
    # a repeat of the payment itself answers what it is now, and posts nothing
    repeat = deliver(body_of(owing_account))
    assert repeat.status_code == 200 and repeat.json()["status"] == "cancelled"
    assert Payment.objects.count() == 1
    assert list(ledger_breaches()) == []


def test_a_refund_cancels_with_the_refund_reason(owing_account):
    assert deliver(body_of(owing_account)).status_code == 201
    r = deliver(json.dumps({"transaction_id": "PUS-1", "type": "refund"}).encode())
    assert r.status_code == 200
    assert Payment.objects.get().cancel_reason.code == "PROCREFUND"


def test_a_reversal_of_an_unknown_transaction_is_404(pay_ref):
    r = deliver(json.dumps({"transaction_id": "nope", "type": "reversal"}).encode())
    assert r.status_code == 404


def test_webhook_receive_delivers_in_process(owing_account):
    body = body_of(owing_account)
    result = webhook_receive(
        processor="paymentus", headers=webhook_sign(processor="paymentus", body=body), body=body
    )
    assert result.status_code == 201 and result.data["status"] == "frozen"
    lower = {k.lower(): v for k, v in webhook_sign(processor="paymentus", body=body).items()}
    assert webhook_receive(processor="paymentus", headers=lower, body=body).status_code == 200


def test_the_endpoint_is_in_the_openapi_schema_with_examples_and_headers(pay_ref):
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(User.objects.create_user("reader"))
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/processors/{processor}/payments"]["post"]
    names = {p["name"] for p in operation["parameters"]}
    assert {TIMESTAMP_HEADER, SIGNATURE_HEADER, "processor"} <= names
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert "CardPayment" in examples
    assert {"201", "200", "400", "401", "404"} <= set(operation["responses"])


# Every statement of one webhook payment: the duplicate look-up, the account, the tender
# type, the control, then `payment_event_post` (locks, acceptance, inserts, distribution,
# freeze). No session, user or permission queries: the signature is the authentication.
MAX_QUERIES = 30  # 29 when written


def test_one_webhook_payment_costs_a_bounded_number_of_queries(
    owing_account, django_assert_max_num_queries
):
    deliver(body_of(owing_account, transaction_id="warm", amount="1.00"))  # the control
    with django_assert_max_num_queries(MAX_QUERIES):
        r = deliver(body_of(owing_account, amount="5.00"))
    assert r.status_code == 201
    with django_assert_max_num_queries(4):
        assert deliver(body_of(owing_account, amount="5.00")).status_code == 200
