"""The Auto Payment sub-tab of the Customer tab (seed 004) through the panel's views."""

import re

from django.urls import reverse

from autopay.models import Enrollment
from autopay.services.enrollment import autopay_enroll
from cis.models import PiiRevealAudit

from .conftest import PASSWORD
from .test_enrollment import DRAFT, ROUTING

HX = {"HTTP_HX_REQUEST": "true"}


def customer_tab(client, account) -> str:
    url = reverse("acp:panel", args=[account.number]) + "?tab=customer"
    return client.get(url).content.decode()


def test_a_csr_sets_up_a_draft_and_the_sub_tab_and_dashboard_show_it(client, csr, account):
    assert client.login(username=csr.username, password=PASSWORD)
    html = customer_tab(client, account)
    button = re.search(r'<button [^>]*id="st-autopay"[^>]*>(.*?)</button>', html, re.S)
    assert button and "has-records" not in button.group(0)
    response = client.post(
        reverse("autopay:enroll", args=[account.number]),
        {
            "kind": "draft",
            "bank_account_type": "checking",
            "routing_number": ROUTING,
            "bank_account_number": "000123456789",
            "amount_option": "maximum",
            "amount": "150.00",
            "start_on": "2026-12-02",
        },
        **HX,
    )
    assert response.status_code == 200, response.content.decode()
    enrollment = Enrollment.objects.get(account=account)
    assert enrollment.amount_option == "maximum" and str(enrollment.amount) == "150.00"
    section = response.content.decode()
    assert "6789" in section and "000123456789" not in section
    html = customer_tab(client, account)
    button = re.search(r'<button [^>]*id="st-autopay"[^>]*>(.*?)</button>', html, re.S)
    assert "has-records" in button.group(0)
    assert "Automatic Payments \u2013 Draft" in html  # the dashboard icon's label
    assert "000123456789" not in html


def test_bad_input_answers_422_with_the_message_by_the_field(client, csr, account):
    assert client.login(username=csr.username, password=PASSWORD)
    response = client.post(
        reverse("autopay:enroll", args=[account.number]),
        {**DRAFT, "routing_number": "011000016", "start_on": "2026-12-02"},
        **HX,
    )
    assert response.status_code == 422
    assert "routing number" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_show_asks_for_the_password_and_writes_an_audit_row(client, csr, account):
    enrollment = autopay_enroll(account=account, user=csr, data=DRAFT)
    assert client.login(username=csr.username, password=PASSWORD)
    url = reverse("autopay:reveal", args=[account.number])
    assert "password" in client.get(url, **HX).content.decode()
    wrong = client.post(url, {"password": "nope"}, **HX)
    assert wrong.status_code == 422 and "000123456789" not in wrong.content.decode()
    right = client.post(url, {"password": PASSWORD}, **HX)
    assert right.status_code == 200 and "000123456789" in right.content.decode()
    assert right["Cache-Control"] == "no-store"
    audit = PiiRevealAudit.objects.get()
    assert audit.user == csr and str(enrollment.pk) in audit.detail


def test_stop_keeps_the_row_and_offers_a_new_set_up(client, csr, account):
    enrollment = autopay_enroll(account=account, user=csr, data=DRAFT)
    assert client.login(username=csr.username, password=PASSWORD)
    response = client.post(
        reverse("autopay:stop", args=[account.number]),
        {"stop_reason": "customer", "stop_comment": "closing the bank account"},
        **HX,
    )
    assert response.status_code == 200
    enrollment.refresh_from_db()
    assert enrollment.stop_reason == "customer"
    body = response.content.decode()
    assert "Set up automatic payment" in body and "closing the bank account" in body
    assert "Automatic Payments \u2013" not in customer_tab(client, account)


def test_signup_forms_are_pdfs_with_the_customer_filled_in(client, csr, account):
    assert client.login(username=csr.username, password=PASSWORD)
    for kind in ("draft", "card"):
        response = client.get(reverse("autopay:signup", args=[account.number, kind]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert client.get(reverse("autopay:signup", args=[account.number, "cash"])).status_code == 404


def test_the_hosted_form_hands_back_a_token_and_never_the_number(client, csr, account):
    assert client.login(username=csr.username, password=PASSWORD)
    back = reverse("acp:panel", args=[account.number]) + "?tab=customer"
    response = client.post(
        reverse("payacp:sandbox-card-form"),
        {"number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2030", "return": back},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(back) and "card_token=sbx_approve_visa_4242_1230" in location
    assert "4242424242424242" not in location
    tab = client.get(location).content.decode()
    assert 'value="sbx_approve_visa_4242_1230"' in tab
    evil = client.post(
        reverse("payacp:sandbox-card-form"),
        {
            "number": "4242424242424242",
            "exp_month": "12",
            "exp_year": "2030",
            "return": "https://evil.example/",
        },
    )
    assert evil["Location"].startswith("/?card_token=")


def test_a_private_account_autopay_is_not_found_for_a_csr(client, csr, private_account):
    assert client.login(username=csr.username, password=PASSWORD)
    response = client.post(
        reverse("autopay:enroll", args=[private_account.number]), {**DRAFT}, **HX
    )
    assert response.status_code == 404
    assert not Enrollment.objects.exists()
