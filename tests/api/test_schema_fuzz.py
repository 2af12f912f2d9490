"""Schemathesis against the served OpenAPI schema, as an Administrator and as a CSR.

What an integrator relies on: whatever they send that the schema allows (and much that it
does not), the API never answers 500, and every answer (status, content type, body)
is one the schema documents. Bounded examples per operation keep it inside `make test`.
"""

import base64
import datetime as dt
import json

import pytest
import schemathesis
from django.contrib.auth.models import Group, User
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.ledger_checks import ledger_breaches
from payments.tests.factories import account_with, bill

PASSWORD = "fuzz-pass-1"


def _basic(username: str) -> dict:
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _world(role: str) -> dict:
    """Reference data, a billed account, a user of `role`; the auth header."""
    from payments.reference import reference_data_load

    reference_data_load()
    account, (water, sewer) = account_with("WATER", "SEWER", number="1000000001")
    bill(account, {water: 40, sewer: 30}, bill_date=dt.date.today() - dt.timedelta(days=40))
    user = User.objects.create_user(f"fuzz-{role.lower()}", password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    return _basic(user.username)


def _generated_schema() -> dict:
    """The schema `/api/schema/` serves, built at collection time (no database needed);
    `test_fuzzed_schema_is_the_served_one` proves it is the served one.

    A module-level schema rather than `schemathesis.pytest.from_fixture`: the lazy loader of
    schemathesis 4.32.5 sets `request.node._nodeid`, which pytest 9 no longer has."""
    generator = SchemaGenerator()
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


RAW_SCHEMA = _generated_schema()
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
schema.app = get_wsgi_application()


@pytest.fixture
def wsgi_host(settings):
    """The WSGI app in-process, inside the test's transaction: schemathesis' client sends
    `Host: localhost`, and requests must not close the test's connection (as Django's
    own test client arranges)."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(db, wsgi_host):
    return _world("Administrator")


@pytest.fixture
def csr_headers(db, wsgi_host):
    return _world("CSR")


def test_fuzzed_schema_is_the_served_one(client, admin_headers):
    """The fuzz runs against exactly what `/api/schema/` serves."""
    client.force_login(User.objects.get(username="fuzz-administrator"))
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert json.loads(response.content) == RAW_SCHEMA


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Generated cases only (positive and negative): schemathesis' explicit "coverage" cases
# would multiply the run time several times over.
FUZZ = settings(
    max_examples=10,
    phases=[Phase.generate, Phase.shrink],
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_api_as_administrator(case, admin_headers):
    case.call_and_validate(headers=admin_headers, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_as_csr(case, csr_headers):
    case.call_and_validate(headers=csr_headers, checks=CHECKS)


# -- success paths ---------------------------------------------------------------------
# Random bodies rarely pass every business rule, so the fuzz sees few 2xx answers. These
# walk the main success paths and hold each answer to the schema with the same checks.


class Walk:
    def __init__(self, headers: dict):
        self.headers = headers

    def __call__(self, method: str, path: str, *, body=None, query=None, **path_parameters):
        kwargs = {"path_parameters": path_parameters or None, "query": query}
        if body is not None:
            kwargs["body"] = body
            kwargs["media_type"] = "application/json"
        case = schema[path][method].Case(**kwargs)
        response = case.call_and_validate(headers=self.headers, checks=CHECKS)
        assert response.status_code < 400, (method, path, response.text)
        return (
            response.json()
            if response.headers.get("content-type", [""])[0].startswith("application/json")
            else None
        )


def _lifecycle(walk: Walk, *, admin: bool) -> None:
    today = dt.date.today().isoformat()
    number = "1000000001"
    account = walk("GET", "/api/v1/accounts/{number}/", number=number)
    water = account["agreements"][0]["id"]
    walk("GET", "/api/v1/accounts/{number}/aging/", number=number)
    for path in ["tender-types", "tender-sources", "cancel-reasons", "distribution-codes"]:
        walk("GET", f"/api/v1/{path}/")
    deposit = walk("POST", "/api/v1/deposit-controls/", body={"deposit_date": today})
    drawer = walk(
        "POST",
        "/api/v1/tender-controls/",
        body={"deposit_control": deposit["id"], "tender_source": "CASHIER"},
    )
    tender = {"tender_type": "CHECK", "amount": "30.00", "check_number": "1001"}
    event = walk(
        "POST",
        "/api/v1/payment-events/",
        body={
            "tender_source": "CASHIER",
            "payment_date": today,
            "tenders": [{**tender, "tender_control": drawer["id"]}],
            "payments": [{"account": number, "amount": "30.00"}],
        },
    )
    payment_id = event["payments"][0]["id"]
    walk("GET", "/api/v1/payment-events/{id}/", id=event["id"])
    walk("GET", "/api/v1/payments/{id}/", id=payment_id)
    walk("GET", "/api/v1/accounts/{number}/payments/", number=number)
    walk("GET", "/api/v1/payments/{id}/receipt/", id=payment_id, query={"layout": "short"})
    walk("POST", "/api/v1/payments/{id}/cancel/", id=payment_id, body={"reason": "KEYERR"})
    walk(
        "POST",
        "/api/v1/payment-events/{id}/payments/",
        id=event["id"],
        body={"payment": {"account": number, "amount": "30.00"}, "mode": "manual"},
    )
    manual = walk(
        "POST",
        "/api/v1/payment-events/",
        body={
            "tender_source": "CASHIER",
            "mode": "manual",
            "tenders": [{"tender_type": "CASH", "amount": "5.00"}],
            "payments": [{"account": number, "amount": "5.00"}],
        },
    )
    manual_id = manual["payments"][0]["id"]
    walk(
        "POST",
        "/api/v1/payments/{id}/distribute/",
        id=manual_id,
        body={"sa_amounts": [{"sa": water, "amount": "5.00"}]},
    )
    walk("POST", "/api/v1/payments/{id}/freeze/", id=manual_id)
    walk(
        "POST",
        "/api/v1/payments/{id}/transfer/",
        id=manual_id,
        body={"reason": "TRANSFER", "targets": [{"account": number, "amount": "5.00"}]},
    )
    checked = walk(
        "POST",
        "/api/v1/payment-events/",
        body={
            "tender_source": "CASHIER",
            "tenders": [{"tender_type": "CHECK", "amount": "12.00", "check_number": "77"}],
            "payments": [{"account": number, "amount": "12.00"}],
        },
    )
    walk(
        "POST",
        "/api/v1/tenders/{id}/return/",
        id=checked["tenders"][0]["id"],
        body={"reason": "NSF", "represent": True},
    )
    walk(
        "POST",
        "/api/v1/non-cis-payments/",
        body={
            "tender_source": "CASHIER",
            "payer_name": "County fair",
            "distribution_code": _first_code(walk, "distribution-codes"),
            "tenders": [{"tender_type": "CASH", "amount": "8.00"}],
        },
    )
    walk(
        "POST",
        "/api/v1/check-cashing/",
        body={
            "tender_source": "CASHIER",
            "check_type": "CHECK",
            "amount": "40.00",
            "payor_account": number,
        },
    )
    walk(
        "POST",
        "/api/v1/tender-controls/{id}/balance/",
        id=drawer["id"],
        body={"counted_count": 9, "counted_total": "1.00"},
    )
    walk("POST", "/api/v1/tender-controls/{id}/reopen/", id=drawer["id"])
    autopay = walk(
        "POST",
        "/api/v1/accounts/{number}/autopays/",
        number=number,
        body={
            "kind": "draft",
            "bank_account_type": "checking",
            "routing_number": "011000015",
            "bank_account_number": "123456789",
            "amount_option": "balance",
        },
    )
    walk("GET", "/api/v1/accounts/{number}/autopays/", number=number)
    walk(
        "PATCH",
        "/api/v1/autopays/{id}/",
        id=autopay["id"],
        body={"amount_option": "maximum", "amount": "80.00"},
    )
    walk("POST", "/api/v1/autopays/{id}/stop/", id=autopay["id"], body={"reason": "customer"})
    walk("GET", "/api/v1/autopays/{id}/", id=autopay["id"])
    if admin:
        walk("GET", "/api/v1/batch-runs/")
        bill = walk(
            "POST",
            "/api/v1/bills/",
            body={
                "account": number,
                "bill_date": today,
                "due_date": today,
                "segments": [{"sa": water, "amount": "11.00"}],
            },
        )
        assert bill["status"] == "complete"
        adjustment = walk(
            "POST",
            "/api/v1/adjustments/",
            body={"sa": water, "adjustment_type": "MISC", "amount": "3.00"},
        )
        walk(
            "POST",
            "/api/v1/adjustments/{id}/cancel/",
            id=adjustment["id"],
            body={"reason": "keyed twice"},
        )


def _first_code(walk: Walk, path: str) -> str:
    return walk("GET", f"/api/v1/{path}/")[0]["code"]


def test_success_paths_match_the_schema_as_administrator(admin_headers):
    _lifecycle(Walk(admin_headers), admin=True)
    assert list(ledger_breaches()) == []


def test_success_paths_match_the_schema_as_csr(csr_headers):
    _lifecycle(Walk(csr_headers), admin=False)
    assert list(ledger_breaches()) == []
