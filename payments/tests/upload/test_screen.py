"""The Supervisor's upload screen: the same intake, the result on the page."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cis.roles import CSR, SUPERVISOR
from payments.models import PaymentStaging, UploadFile

from .conftest import sample

URL = "/acp/uploads/"


@pytest.fixture
def as_role(client, django_user_model, pay_ref):
    def login(role: str):
        user = django_user_model.objects.create_user(f"u-{role}", password="pw-Long-enough-1")
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return user

    return login


def test_url_is_named():
    assert reverse("payacp:uploads") == URL


def test_supervisor_imports_a_file_and_sees_what_it_staged(client, as_role, our_accounts):
    user = as_role(SUPERVISOR)
    upload = SimpleUploadedFile("remit.csv", sample("csv/remittance-bad-line.csv"))
    response = client.post(URL, {"file": upload, "format": "csv"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "4 payment line(s) totalling $180.00" in page
    assert "line 3: amount &#x27;12.3.4&#x27; is not a plain positive amount" in page
    record = UploadFile.objects.get()
    assert (record.channel, record.received_by, record.status) == ("screen", user, "staged")
    assert PaymentStaging.objects.count() == 4


def test_the_same_file_again_shows_the_refusal(client, as_role, our_accounts):
    as_role(SUPERVISOR)
    for _ in range(2):
        upload = SimpleUploadedFile("remit.csv", sample("csv/remittance.csv"))
        response = client.post(URL, {"file": upload, "format": "csv"})
    page = response.content.decode()
    assert "Rejected" in page and "this file was already imported" in page
    assert PaymentStaging.objects.count() == 3


def test_missing_file_is_a_form_error_not_a_500(client, as_role):
    as_role(SUPERVISOR)
    response = client.post(URL, {"format": "csv"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not UploadFile.objects.exists()


def test_a_csr_may_not_import_files(client, as_role):
    as_role(CSR)
    assert client.get(URL).status_code == 403
    upload = SimpleUploadedFile("remit.csv", sample("csv/remittance.csv"))
    assert client.post(URL, {"file": upload, "format": "csv"}).status_code == 403
    assert not UploadFile.objects.exists()
