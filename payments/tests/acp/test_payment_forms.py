"""The Payments tab's forms (issue 8 items 9 and 12): a CSR sees only the fields the chosen
tender needs, reads refusals as sentences with money written as money, and on a customer
whose payments are refused finds the form disabled with one message, not three."""

from decimal import Decimal

from django.urls import reverse

from accounts.models import Account
from payments.models import Payment, Tender
from payments.tests.factories import tender_type

HX = {"HTTP_HX_REQUEST": "true"}


def tab_html(client, account) -> str:
    response = client.get(reverse("acp:tab", args=[account.number, "payments"]), **HX)
    assert response.status_code == 200
    return response.content.decode()


def test_cash_shows_no_check_or_card_fields_and_no_card_token(client_csr, water):
    html = tab_html(client_csr, water)
    assert "Card token" not in html and "processor_token" not in html
    check = tender_type("CHECK").pk
    card = tender_type("CARD").pk
    # Cash is the default: the check number and card digits are there but hidden, and the
    # page's script shows them for the tender types that need them.
    assert f'data-values="{check}"' in html or f" {check}" in html
    assert f'data-when="tender_type" data-values="{card}" hidden>' in html, (
        "card digits hidden for cash"
    )
    assert 'id="id_check_number"' in html
    box = html.split('id="id_check_number"')[0].rsplit('<div class="when-box"', 1)[1]
    assert box.rstrip().split(">")[0].endswith("hidden")


def test_a_typed_check_number_is_dropped_for_cash(client_csr, water):
    response = client_csr.post(
        reverse("payacp:payment-quick", args=[water.number]),
        {"amount": "10.00", "tender_type": tender_type("CASH").pk, "check_number": "123"},
        **HX,
    )
    assert response.status_code == 200
    assert Tender.objects.get().check_number == ""


def test_manual_distribution_fields_only_in_manual_mode(client_csr, water):
    html = client_csr.get(reverse("payacp:payment-event", args=[water.number]), **HX)
    html = html.content.decode()
    assert 'data-when="mode" data-values="manual" hidden>' in html


def test_out_of_balance_event_says_so_in_a_sentence(client_csr, water):
    data = {
        "t-TOTAL_FORMS": "3",
        "t-INITIAL_FORMS": "0",
        "p-TOTAL_FORMS": "3",
        "p-INITIAL_FORMS": "0",
        "mode": "distribute_and_freeze",
        "t-0-tender_type": tender_type("CASH").pk,
        "t-0-amount": "50.00",
        "p-0-account_number": water.number,
        "p-0-amount": "40.00",
    }
    response = client_csr.post(reverse("payacp:payment-event", args=[water.number]), data, **HX)
    assert response.status_code == 422
    assert "The tenders total $50.00 but the payments total $40.00." in response.content.decode()
    assert not Payment.objects.exists()


def test_quick_add_message_shows_money(client_csr, water, settings):
    settings.OPENCIS_MAX_AMOUNT = Decimal("9999999999.99")
    response = client_csr.post(
        reverse("payacp:payment-quick", args=[water.number]),
        {
            "amount": "1000000000",
            "tender_type": tender_type("CASH").pk,
            "confirmed": "1000000000.00",
        },
        **HX,
    )
    assert "Payment of $1,000,000,000.00 posted." in response.content.decode()


def test_do_not_accept_payments_disables_the_form_with_one_message(client_csr, water):
    water.customer.do_not_accept_payments = True
    water.customer.save()
    html = tab_html(client_csr, water)
    assert html.count('role="alert"') == 1
    assert 'Do not accept payments": no payment can be taken' in html
    quick = html.split('id="quick-pay"')[1].split("</form>")[0]
    assert "<fieldset" in quick and " disabled " in quick
    event_button = html.split("Full payment event")[0].rsplit("<button", 1)[1]
    assert "disabled" in event_button
    assert Decimal(Account.objects.get(pk=water.pk).balance) == Decimal("150.00")
