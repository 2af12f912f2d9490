"""A CSR creates, freezes and deletes an automatic payment from the Auto Payment sub-tab
(seed 001 steps 3.1-4.9): each answer is the section again, a refusal its message."""

from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse

from autopay.models import Clearing

from .conftest import PASSWORD
from .factories import draft_enrollment

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, csr, account, autopay_reference):
    draft_enrollment(account)
    client.login(username=csr.username, password=PASSWORD)
    return client


def post(client, account, name, *args, **data):
    url = reverse(f"autopay:{name}", args=[account.number, *args])
    return client.post(url, data, **HX)


def test_csr_creates_an_autopay_payment_now_for_what_the_option_drafts(signed_in, account):
    response = post(signed_in, account, "payment-create", amount="")
    assert response.status_code == 200
    clearing = Clearing.objects.get(account=account)
    assert (clearing.status, clearing.amount) == ("frozen", D("100.00"))
    assert clearing.payment.amount == D("100.00") and clearing.payment.status == "frozen"
    assert f'data-clearing="{clearing.pk}"' in response.content.decode()
    call_command("check_ledger")


def test_csr_overrides_the_amount_and_a_bad_amount_is_refused(signed_in, account):
    response = post(signed_in, account, "payment-create", amount="12,50")
    assert response.status_code == 422 and not Clearing.objects.exists()
    assert "123.45" in response.content.decode()
    post(signed_in, account, "payment-create", amount="40.00")
    assert Clearing.objects.get(account=account).amount == D("40.00")


def test_csr_deletes_an_autopay_payment_with_a_reason_and_the_money_is_owed_again(
    signed_in, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(signed_in, account, "payment-create", amount="")
    clearing = Clearing.objects.get(account=account)
    refused = post(signed_in, account, "payment-delete", clearing.pk, comment="")
    assert refused.status_code == 422
    assert "Say why" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            signed_in, account, "payment-delete", clearing.pk, comment="customer paid cash"
        )
    assert response.status_code == 200
    clearing.refresh_from_db()
    assert clearing.status == "cancelled" and "customer paid cash" in clearing.cancel_comment
    assert clearing.tender.status == "cancelled"
    account.refresh_from_db()
    assert account.balance == D("100.00")
    call_command("check_ledger")


def test_an_extracted_autopay_payment_cannot_be_deleted(signed_in, account):
    post(signed_in, account, "payment-create", amount="")
    Clearing.objects.filter(account=account).update(status="extracted", trace_number="1" * 15)
    clearing = Clearing.objects.get(account=account)
    response = post(signed_in, account, "payment-delete", clearing.pk, comment="too late")
    assert response.status_code == 422
    clearing.refresh_from_db()
    assert clearing.status == "extracted" and clearing.payment.status == "frozen"


def test_another_accounts_autopay_payment_is_not_found(signed_in, account, private_account):
    post(signed_in, account, "payment-create", amount="")
    clearing = Clearing.objects.get(account=account)
    url = reverse("autopay:payment-delete", args=["1000000099", clearing.pk])
    assert signed_in.post(url, {"comment": "x"}, **HX).status_code in (403, 404)
    clearing.refresh_from_db()
    assert clearing.status == "frozen"


def test_csr_freezes_a_created_autopay_payment(signed_in, account):
    import datetime as dt

    enrollment = account.autopays.get()
    clearing = Clearing.objects.create(
        enrollment=enrollment,
        account=account,
        kind="draft",
        status="created",
        amount=D("60.00"),
        extract_on=dt.date(2026, 12, 8),
        gl_distribution_on=dt.date(2026, 12, 10),
        payment_on=dt.date(2026, 12, 8),
    )
    assert (
        f'data-freeze="{clearing.pk}"'
        in signed_in.get(reverse("autopay:section", args=[account.number]), **HX).content.decode()
    )
    response = post(signed_in, account, "payment-freeze", clearing.pk)
    assert response.status_code == 200
    clearing.refresh_from_db()
    assert clearing.status == "frozen" and clearing.payment.amount == D("60.00")
    call_command("check_ledger")
