"""Payments' part of the To Do screen and the home page (issue 8 item 16): an entry raised
by a returned tender opens its payment on the Payments tab; the home page's card lists the
payments this CSR took today."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from accounts.models import Customer
from accounts.services.work import todo_create
from payments.tests.factories import account_with, bill, pay

HX = {"HTTP_HX_REQUEST": "true"}
PASSWORD = "todo-pay-pass-4"


def user_in(role: str, username: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=username.title())
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def paid(pay_ref):
    account, (water,) = account_with("WATER", number="1000000201")
    bill(account, {water: 120})
    return pay(account, "45.00", day=timezone.localdate())


@pytest.mark.django_db
def test_an_entry_from_a_tender_opens_its_payment_on_the_payments_tab(client, paid):
    """The source "payments.Tender:<pk>" (what a returned payment raises) resolves, through
    payments' registration, to the payment's row on the Payments tab."""
    tender = paid.event.tenders.get()
    entry = todo_create(
        type_code="COLLREVIEW",
        subject="Review for collection: returned payment",
        account=paid.account,
        source=f"payments.Tender:{tender.pk}",
    )
    user_in("Supervisor", "sam")
    assert client.login(username="sam", password=PASSWORD)
    html = client.get(reverse("acp:todo-detail", args=[entry.pk]), **HX).content.decode()
    target = f"{reverse('acp:panel', args=['1000000201'])}?tab=payments#payment-{paid.pk}"
    assert f'href="{target}"' in html
    assert "payment of $45.00" in html


@pytest.mark.django_db
def test_a_payment_on_a_private_account_gives_no_link(client, paid):
    Customer.objects.filter(pk=paid.account.customer_id).update(is_public=False)
    entry = todo_create(
        type_code="PAYUPLOAD", subject="Orphan", source=f"payments.Payment:{paid.pk}"
    )
    user_in("Supervisor", "sam")
    assert client.login(username="sam", password=PASSWORD)
    html = client.get(reverse("acp:todo-detail", args=[entry.pk]), **HX).content.decode()
    assert "#payment-" not in html and "No linked record" in html


@pytest.mark.django_db
def test_the_home_page_lists_todays_payments_taken_by_me(client, pay_ref):
    casey, robin = user_in("CSR", "casey"), user_in("CSR", "robin")
    account, (water,) = account_with("WATER", number="1000000202")
    bill(account, {water: 300})
    today = timezone.localdate()
    pay(account, "40.00", day=today, user=casey)
    pay(account, "2.50", day=today, user=casey)
    pay(account, "99.00", day=today, user=robin)
    pay(account, "7.00", day=today - dt.timedelta(days=1), user=casey)
    assert client.login(username="casey", password=PASSWORD)
    html = client.get(reverse("home")).content.decode()
    card = html.split('id="home-payments-today"')[1].split("</section>")[0]
    assert "payments taken by me" in card
    assert "<strong>2</strong> payments" in card and "$42.50" in card
    assert "$99.00" not in card and "$7.00" not in card
