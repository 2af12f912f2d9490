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
    `test_fuzzed_schema_is_the_served_one` proves it is the served one."""
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
