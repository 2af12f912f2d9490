"""Amounts typed into the panel (issue 8 item 3): plain decimal strings only, by the same
rule as the API; a large payment asks for confirmation before it posts; above the hard
maximum it is refused; messages show money as money."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account
from payments.models import Payment
from payments.tests.factories import tender_type

HX = {"HTTP_HX_REQUEST": "true"}


def quick(client, account, amount, **extra):
    data = {"amount": amount, "tender_type": tender_type("CASH").pk, **extra}
    return client.post(reverse("payacp:payment-quick", args=[account.number]), data, **HX)


def balance(account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


@pytest.mark.parametrize("typed", ["1e3", "1E+2", "1_000", "1,000", "١٠٠", "１００", "NaN", "12."])
def test_the_panel_refuses_what_is_not_a_plain_decimal(client_csr, water, typed):
    response = quick(client_csr, water, typed)
    assert response.status_code == 422
    assert "Enter a plain decimal number such as 1234.56" in response.content.decode()
    assert not Payment.objects.exists() and balance(water) == Decimal("150.00")


def test_a_plain_amount_posts_at_once(client_csr, water):
    response = quick(client_csr, water, " 100.50 ")
    assert response.status_code == 200
    assert "Payment of $100.50 posted." in response.content.decode()
    assert balance(water) == Decimal("49.50")


def test_the_amount_input_sends_what_was_typed(client_csr, water):
    """A number input turns "1e9" into a number before the server sees it."""
    html = client_csr.get(reverse("acp:tab", args=[water.number, "payments"]), **HX)
    field = html.content.decode().split('id="id_amount"')[0].rsplit("<input", 1)[1]
    assert 'type="text"' in field and 'inputmode="decimal"' in field


def test_a_payment_far_above_the_balance_asks_for_confirmation(client_csr, water):
    """$2,000.00 on a $150.00 balance (more than 10 times it) waits for a second submit
    with the box ticked for that same amount."""
    response = quick(client_csr, water, "2000")
    html = response.content.decode()
    assert response.status_code == 422
    assert "Please confirm the payment of $2,000.00" in html
    assert "10 times the balance of $150.00" in html
    assert 'name="confirmed" value="2000.00"' in html
    assert not Payment.objects.exists()
    # confirmed for another amount: asked again
    assert quick(client_csr, water, "3000", confirmed="2000.00").status_code == 422
    assert not Payment.objects.exists()
    response = quick(client_csr, water, "2000", confirmed="2000.00")
    assert response.status_code == 200
    assert "Payment of $2,000.00 posted." in response.content.decode()
    assert balance(water) == Decimal("-1850.00")


def test_a_payment_above_the_confirmation_amount_asks_first(client_csr, water, settings):
    settings.OPENCIS_CONFIRM_AMOUNT = Decimal("100.00")
    response = quick(client_csr, water, "120")
    assert response.status_code == 422
    assert "it is more than $100.00" in response.content.decode()
    assert quick(client_csr, water, "120", confirmed="120.00").status_code == 200
    assert balance(water) == Decimal("30.00")


def test_the_hard_maximum_refuses_with_a_clear_message(client_csr, water):
    response = quick(client_csr, water, "1000000000", confirmed="1000000000.00")
    html = response.content.decode()
    assert response.status_code == 422
    assert (
        "$1,000,000,000.00 is more than the largest amount one payment, tender or "
        "adjustment may carry ($9,999,999.99)." in html
    )
    assert not Payment.objects.exists()


def test_a_billion_posts_as_money_where_the_maximum_allows(client_csr, water, settings):
    settings.OPENCIS_MAX_AMOUNT = Decimal("9999999999.99")
    response = quick(client_csr, water, "1000000000", confirmed="1000000000.00")
    assert "Payment of $1,000,000,000.00 posted." in response.content.decode()


def test_event_amounts_follow_the_same_rule(client_csr, water):
    data = {
        "t-TOTAL_FORMS": "3",
        "t-INITIAL_FORMS": "0",
        "p-TOTAL_FORMS": "3",
        "p-INITIAL_FORMS": "0",
        "mode": "distribute_and_freeze",
        "t-0-tender_type": tender_type("CASH").pk,
        "t-0-amount": "1e2",
        "p-0-account_number": water.number,
        "p-0-amount": "1_00",
    }
    response = client_csr.post(reverse("payacp:payment-event", args=[water.number]), data, **HX)
    assert response.status_code == 422
    assert response.content.decode().count("Enter a plain decimal number") == 2
    assert not Payment.objects.exists()


def test_a_large_payment_event_asks_for_confirmation_too(client_csr, water):
    data = {
        "t-TOTAL_FORMS": "3",
        "t-INITIAL_FORMS": "0",
        "p-TOTAL_FORMS": "3",
        "p-INITIAL_FORMS": "0",
        "mode": "distribute_and_freeze",
        "t-0-tender_type": tender_type("CASH").pk,
        "t-0-amount": "5000.00",
        "p-0-account_number": water.number,
        "p-0-amount": "5000.00",
    }
    url = reverse("payacp:payment-event", args=[water.number])
    response = client_csr.post(url, data, **HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert f"Please confirm the payment of $5,000.00 to {water.number}" in html
    assert 'name="confirmed" value="5000.00"' in html
    assert not Payment.objects.exists()
    response = client_csr.post(url, {**data, "confirmed": "5000.00"}, **HX)
    assert response.status_code == 200
    assert balance(water) == Decimal("-4850.00")


def test_a_service_refusal_shows_its_amounts_as_money(client_csr, water):
    """The manual distribution's refusal reaches the CSR as money, not "30.00"."""
    sas = list(water.agreements.order_by("pk"))
    data = {
        "t-TOTAL_FORMS": "3",
        "t-INITIAL_FORMS": "0",
        "p-TOTAL_FORMS": "3",
        "p-INITIAL_FORMS": "0",
        "mode": "manual",
        "t-0-tender_type": tender_type("CASH").pk,
        "t-0-amount": "1040.00",
        "p-0-account_number": water.number,
        "p-0-amount": "1040.00",
        f"sa_{sas[0].pk}": "1030.00",
        "confirmed": "1040.00",
    }
    response = client_csr.post(reverse("payacp:payment-event", args=[water.number]), data, **HX)
    assert response.status_code == 422
    assert (
        "The manual distribution totals $1,030.00 but the payment is $1,040.00."
        in response.content.decode()
    )
    assert not Payment.objects.exists()
