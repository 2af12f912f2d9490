"""JSON errors everywhere under /api/, and a schema that documents them (issue 7 item 23)."""

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

ENDPOINTS = [
    "/api/v1/accounts/1000000001/",
    "/api/v1/batch-runs/",
    "/api/v1/tender-types/",
    "/api/v1/payments/1/",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_calls_are_401_with_www_authenticate(db, url):
    """An integration without credentials is told to authenticate (401 + WWW-Authenticate),
    not forbidden (403)."""
    response = APIClient().get(url)
    assert response.status_code == 401
    # the first authentication class names its scheme (Basic today; a token scheme may
    # come first for integrations)
    assert response["WWW-Authenticate"]
    assert response.json()["detail"]


def test_wrong_basic_credentials_are_401(db):
    User.objects.create_user("clerk", password="right-pass-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic Y2xlcms6d3Jvbmc=")  # clerk:wrong
    response = client.get("/api/v1/tender-types/")
    assert response.status_code == 401 and "WWW-Authenticate" in response


def test_signed_in_without_the_permission_is_403(db):
    user = User.objects.create_user("nobody", password="x")
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/v1/tender-types/").status_code == 403


@pytest.mark.parametrize(
    "url", ["/api/v1/payments/abc/", "/api/v1/tenders/1.5/cancel/", "/api/v1/nowhere/"]
)
def test_unmatched_api_paths_are_a_json_404(db, client, url):
    """A path converter that does not match (a non-integer id) never reaches a view: it
    used to answer Django's HTML page."""
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_other_paths_keep_the_html_404(db, client):
    response = client.get("/nowhere/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.urls("cis.tests.api.urls_crash")
def test_a_crash_under_api_answers_json_500(db, client):
    client.raise_request_exception = False
    response = client.get("/api/v1/crash/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error."}
    page = client.get("/crash/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_nul_bytes_in_panel_paths_are_a_400(db, client):
    assert client.get("/acp/%00/").status_code == 400


@pytest.fixture
def schema(db):
    user = User.objects.create_user("reader", password="x")
    user.groups.add(Group.objects.get(name="Administrator"))
    client = APIClient()
    client.force_authenticate(user)
    client.force_login(user)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_documents_every_error_answer(schema):
    """Clients generated from the schema know the 400/401/403/404 answers and their JSON."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code in ("400", "401", "403", "404"):
                response = operation["responses"].get(code)
                assert response, f"{method.upper()} {path} does not document {code}"
                assert "application/json" in response["content"]
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_the_schema_declares_nullable_outputs(schema):
    """Fields that can be null in answers say so (a client must not crash on them)."""
    tender = schema["components"]["schemas"]["Tender"]["properties"]
    payment = schema["components"]["schemas"]["Payment"]["properties"]
    for props, name in [
        (tender, "cancel_reason"),
        (tender, "payor_account"),
        (tender, "tender_control"),
        (payment, "cancel_reason"),
        (payment, "distribution_rule"),
        (payment, "frozen_at"),
    ]:
        assert props[name].get("nullable") is True, name
