"""Private accounts and personal data over HTTP (DESIGN §8)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import DocumentType
from accounts.services.documents import customer_document_add
from accounts.tests.conftest import PASSWORD
from cis.models import PiiRevealAudit


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def reveal(client, account, field="ssn", password=PASSWORD):
    return client.post(
        reverse("acp:reveal", args=[account.number]),
        {"field": field, "password": password},
        HTTP_HX_REQUEST="true",
    )


@pytest.mark.parametrize(
    "name,extra",
    [
        ("acp:panel", []),
        ("acp:tab", ["notes"]),
        ("acp:dashboard", []),
        ("acp:customer-id", []),
        ("acp:personal", []),
    ],
)
def test_a_csr_gets_404_for_a_private_account(client, csr, private_account, name, extra):
    login(client, csr)
    response = client.get(reverse(name, args=[private_account.number, *extra]))
    assert response.status_code == 404


def test_an_administrator_sees_the_private_account(client, admin_user, private_account):
    login(client, admin_user)
    response = client.get(reverse("acp:panel", args=[private_account.number]))
    assert response.status_code == 200
    assert b'data-icon="private"' in response.content


def test_a_csr_cannot_reveal_and_no_audit_is_written(client, csr, account):
    login(client, csr)
    page = client.get(reverse("acp:panel", args=[account.number]) + "?tab=customer")
    assert b"123456789" not in page.content and b"\xe2\x80\xa2\xe2\x80\xa2" in page.content
    assert b'data-reveal="ssn"' not in page.content  # no Show button without permission
    # ... and no promise of one: the CSR is told who can (issue 8 item 10)
    assert "asks for your password again" not in page.content.decode()
    assert "Supervisors can reveal the full SSN" in page.content.decode()
    assert reveal(client, account).status_code == 403
    assert not PiiRevealAudit.objects.exists()


def test_wrong_password_gives_an_error_and_no_audit_row(client, supervisor, account):
    login(client, supervisor)
    response = reveal(client, account, password="not-my-password")
    assert response.status_code == 422
    assert b"That password is not correct." in response.content
    assert b"123456789" not in response.content
    assert not PiiRevealAudit.objects.exists()


def test_right_password_reveals_once_and_audits(client, supervisor, account):
    login(client, supervisor)
    response = reveal(client, account)
    assert response.status_code == 200 and b"123-45-6789" in response.content  # formatted
    assert response["Cache-Control"] == "no-store"
    assert PiiRevealAudit.objects.filter(user=supervisor, field="ssn").count() == 1
    # The next render is masked again.
    page = client.get(reverse("acp:panel", args=[account.number]) + "?tab=customer")
    assert b"123456789" not in page.content and b"123-45-6789" not in page.content
    assert "asks for your password again" in page.content.decode()  # a supervisor has Show


def test_secure_documents_open_only_with_permission(
    client, csr, supervisor, account, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    document = customer_document_add(
        customer=account.customer,
        user=supervisor,
        document_type=DocumentType.objects.get(code="ID"),
        description="Passport copy",
        upload=SimpleUploadedFile("passport.pdf", b"%PDF-1.4 test"),
    )
    url = reverse("acp:document-file", args=[account.number, document.pk])
    assert login(client, csr).get(url).status_code == 403
    client.logout()
    response = login(client, supervisor).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"


def test_documents_of_unsafe_types_are_refused(client, csr, account, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(client, csr)
    response = client.post(
        reverse("acp:documents", args=[account.number]),
        {
            "document_type": DocumentType.objects.get(code="APP").pk,
            "description": "x",
            "file": SimpleUploadedFile("page.html", b"<script>alert(1)</script>"),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422 and b"aren&#x27;t accepted" in response.content


def test_a_csr_cannot_make_a_customer_private(client, csr, account):
    login(client, csr)
    response = client.post(
        reverse("acp:customer-id", args=[account.number]),
        {"customer_type": "individual", "last_name": "Doe", "is_active": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    account.customer.refresh_from_db()
    assert account.customer.is_public  # the disabled box keeps its value
