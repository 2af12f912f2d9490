"""The API documentation: served from this server (no CDN) and only to signed-in users
(issue 7 item 18)."""

import re

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    client.force_login(User.objects.create_user("reader", password="x"))
    return client


def test_docs_page_sends_anonymous_users_to_the_login_page(client):
    """An anonymous visitor of /api/docs/ is redirected to sign in and sent back after."""
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/api/docs/")


def test_schema_needs_an_authenticated_user(client, signed_in):
    """The schema describes every endpoint: anonymous callers get no copy of it."""
    from django.test import Client

    anonymous = Client().get("/api/schema/")
    assert anonymous.status_code in (401, 403)
    response = signed_in.get("/api/schema/")
    assert response.status_code == 200 and b"/api/v1/payment-events/" in response.content


def test_docs_page_loads_swagger_ui_from_our_static_files_only(signed_in):
    """Swagger UI comes from the bundled sidecar under STATIC_URL: no script or
    stylesheet from a public CDN (which would run unreviewed code next to the session)."""
    response = signed_in.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    urls += re.findall(r"""["'](https?://[^"']+\.(?:js|css))["']""", page)
    assert any("swagger-ui" in u for u in urls), urls
    assert not [u for u in urls if u.startswith(("http:", "https:", "//"))], urls
    assert "/static/drf_spectacular_sidecar/" in page
