"""Web self-care (issue 11 item 6): web users sign in at /my/, see only their own
customer's accounts, are refused by the staff screens, get their password through the ACP's
Reset Web Login, and pay by card; the payment arrives as a signed webhook."""

import base64
import datetime as dt
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.management import call_command

from accounts.ledger_checks import ledger_breaches
from accounts.models import CustomerEmail, Note
from payments.models import Payment, WebLogin
from payments.tests.factories import account_with, bill

D = Decimal
PASSWORD = "web-portal-pass-1"


def web_user_for(account, username="jane@example.com"):
    CustomerEmail.objects.get_or_create(
        customer=account.customer, address=username, defaults={"is_primary": True}
    )
    user = User.objects.create_user(username, email=username, password=PASSWORD)
    WebLogin.objects.create(user=user, customer=account.customer)
    return user


@pytest.fixture
def jane(pay_ref):
    account, (water,) = account_with("WATER", number="7000000001")
    bill(account, {water: "80.00"}, bill_date=dt.date(2026, 1, 1))
    account.refresh_from_db()
    return account


@pytest.fixture
def web(client, jane):
    user = web_user_for(jane)
    client.force_login(user)
    return user


@pytest.fixture
def csr(pay_ref):
    user = User.objects.create_user("casey", password="csr-pass-1")
    user.groups.add(Group.objects.get(name="CSR"))
    return user


def test_web_user_signs_in_at_the_portal_and_sees_balance_and_past_due(client, jane):
    web_user_for(jane)
    response = client.post("/my/login/", {"username": "jane@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/my/"
    home = client.get("/my/")
    assert home.status_code == 200 and b"7000000001" in home.content
    page = client.get("/my/accounts/7000000001/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'data-figure="balance">\$80\.00<', html)
    assert re.search(r'data-figure="past-due">\$80\.00<', html)
    assert "01/01/2026" in html  # the bill


def test_a_staff_user_cannot_sign_in_at_the_portal(client, csr):
    response = client.post("/my/login/", {"username": "casey", "password": "csr-pass-1"})
    assert response.status_code == 200
    assert b"web logins only" in response.content
    assert "_auth_user_id" not in client.session


def test_portal_pages_send_a_signed_out_visitor_to_the_portal_sign_in(client, jane):
    response = client.get("/my/accounts/7000000001/")
    assert response.status_code == 302 and response["Location"].startswith("/my/login/")


def test_another_customers_account_is_not_found_like_an_unknown_number(client, web, pay_ref):
    other, _ = account_with("WATER", number="7000000002")
    for url in (
        "/my/accounts/7000000002/",
        "/my/accounts/7000000002/pay/",
        "/my/accounts/7000000002/pay/confirm/",
        "/my/accounts/9999999999/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"7000000002" not in response.content
    assert b"7000000002" not in client.get("/my/").content


def test_a_web_user_is_refused_by_the_acp_the_admin_and_the_staff_api(client, web, jane):
    assert client.get(f"/acp/{jane.number}/").status_code == 403
    assert client.get("/acp/search/?q=Doe").status_code == 403
    assert client.get("/")["Location"] == "/my/"  # the staff start page sends them home
    admin = client.get("/admin/")
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]
    assert client.get(f"/api/v1/accounts/{jane.number}/").status_code in (401, 403)
    # nor with their password as basic auth
    basic = base64.b64encode(f"jane@example.com:{PASSWORD}".encode()).decode()
    client.logout()
    api = client.get(f"/api/v1/accounts/{jane.number}/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert api.status_code in (401, 403)


def test_reset_web_login_emails_a_link_that_sets_the_password(
    client, csr, jane, django_capture_on_commit_callbacks
):
    CustomerEmail.objects.create(customer=jane.customer, address="Jane@Example.com")
    client.force_login(csr)
    personal = client.get(f"/acp/{jane.number}/customer/personal/", HTTP_HX_REQUEST="true")
    assert b"Reset Web Login" in personal.content and b"disabled" not in personal.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/acp/{jane.number}/customer/web-login/reset/", HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert b"Password reset e-mail sent to Jane@Example.com" in response.content
    login = WebLogin.objects.get(customer=jane.customer)
    assert login.user.username == "jane@example.com" and not login.user.is_staff
    assert not login.user.groups.exists() and not login.user.has_usable_password()
    assert Note.objects.filter(customer=jane.customer, subject="Web login reset").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Jane@Example.com"]
    link = re.search(r"http://testserver(/my/reset/\S+/)", mail.outbox[0].body).group(1)
    client.logout()
    step = client.get(link)  # Django swaps the token for a session one
    assert step.status_code == 302
    done = client.post(
        step["Location"], {"new_password1": "Sunny-Meadow-42", "new_password2": "Sunny-Meadow-42"}
    )
    assert done.status_code == 302 and done["Location"] == "/my/reset/done/"
    signed_in = client.post(
        "/my/login/", {"username": "jane@example.com", "password": "Sunny-Meadow-42"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/my/"
    # The link works once.
    assert b"expired" in client.get(link, follow=True).content


def test_reset_web_login_is_disabled_without_an_email(client, csr, jane):
    client.force_login(csr)
    personal = client.get(f"/acp/{jane.number}/customer/personal/", HTTP_HX_REQUEST="true")
    assert re.search(rb"<button[^>]*disabled[^>]*>Reset Web Login", personal.content)
    assert b"Needs an e-mail address" in personal.content
    response = client.post(f"/acp/{jane.number}/customer/web-login/reset/", HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and b"no e-mail address" in response.content
    assert not WebLogin.objects.exists() and not mail.outbox


def test_reset_web_login_needs_a_csr(client, jane, pay_ref):
    CustomerEmail.objects.create(customer=jane.customer, address="jane@example.com")
    nobody = User.objects.create_user("nobody", password="x-pass-12345")
    client.force_login(nobody)
    response = client.post(f"/acp/{jane.number}/customer/web-login/reset/")
    assert response.status_code == 403 and not WebLogin.objects.exists()


def _hosted(client, response, number="4242424242424242"):
    """Walk the sandbox's hosted card form; answers the URL it sends the browser back to."""
    assert response.status_code == 302
    hosted = response["Location"]
    assert hosted.startswith("/acp/sandbox/card-form/")
    back = parse_qs(urlparse(hosted).query)["return"][0]
    card = client.post(
        hosted, {"number": number, "exp_month": "12", "exp_year": "2030", "return": back}
    )
    assert card.status_code == 302 and "card_token=" in card["Location"]
    return card["Location"]


def test_pay_by_card_posts_one_frozen_payment_through_the_webhook(client, web, jane):
    page = client.get("/my/accounts/7000000001/pay/")
    assert page.status_code == 200
    assert page.context["form"].initial["amount"] == D("80.00")  # the past due
    key = page.context["form"].initial["key"]
    back = _hosted(client, client.post(page.request["PATH_INFO"], {"amount": "50.00", "key": key}))
    confirm = client.get(back)
    assert confirm.status_code == 200 and b"Visa ending 4242" in confirm.content
    form = confirm.context["form"].cleaned_data
    data = {"amount": "50.00", "key": form["key"], "card_token": form["card_token"]}
    url = "/my/accounts/7000000001/pay/confirm/"
    first = client.post(url, data)
    again = client.post(url, data)  # a double submit
    assert first.status_code == 302 and again["Location"] == first["Location"]
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FROZEN and payment.amount == D("50.00")
    assert payment.event.tender_source.code == "WEB"
    done = client.get(first["Location"])
    assert re.search(r'data-done="balance">\$30\.00<', done.content.decode())
    jane.refresh_from_db()
    assert jane.balance == D("30.00")
    assert not list(ledger_breaches())
    call_command("check_ledger", stdout=io.StringIO())


def test_a_declined_card_shows_why_and_posts_nothing(client, web, jane):
    page = client.get("/my/accounts/7000000001/pay/")
    key = page.context["form"].initial["key"]
    back = _hosted(
        client,
        client.post("/my/accounts/7000000001/pay/", {"amount": "80.00", "key": key}),
        number="4000000000000002",
    )
    token = parse_qs(urlparse(back).query)["card_token"][0]
    response = client.post(
        "/my/accounts/7000000001/pay/confirm/",
        {"amount": "80.00", "key": key, "card_token": token},
    )
    assert response.status_code == 422 and b"The card was declined." in response.content
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-5", "10000000000000", "1e3"])
def test_the_amount_must_be_positive_and_within_the_limit(client, web, jane, amount):
    response = client.post("/my/accounts/7000000001/pay/", {"amount": amount, "key": "k1"})
    assert response.status_code == 422 and not Payment.objects.exists()


def test_demo_users_links_the_demo_web_user_to_a_past_due_customer(client, jane):
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    assert "web / web-demo-pass  (/my/, account 7000000001)" in out.getvalue()
    call_command("demo_users", stdout=io.StringIO())  # a re-run links nobody else
    assert WebLogin.objects.get().customer == jane.customer
    response = client.post("/my/login/", {"username": "web", "password": "web-demo-pass"})
    assert response.status_code == 302
    assert client.get("/my/accounts/7000000001/").status_code == 200
