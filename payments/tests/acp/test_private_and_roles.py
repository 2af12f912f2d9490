"""The Payments tab with private accounts (issue 7 item 11) and who deletes (item 13).
The panel answers a private account's number exactly as an unknown one, and only a
Supervisor deletes an unposted payment; a CSR cancels it with a reason."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account
from payments.models import Payment, Tender
from payments.services.events import DistributionMode, PaymentIn, TenderIn, payment_event_create
from payments.tests.factories import account_with, bill, pay, reason, source, tender_type

HX = {"HTTP_HX_REQUEST": "true"}
MISSING = "9999999999"
D = Decimal

pytestmark = pytest.mark.usefixtures("pay_ref")


def login(client, role: str):
    user = User.objects.create_user(role.lower(), password="x")
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


@pytest.fixture
def public() -> Account:
    account, (water,) = account_with("WATER")
    bill(account, {water: 100})
    return Account.objects.get(pk=account.pk)


@pytest.fixture
def private() -> Account:
    account, (water,) = account_with("WATER", customer__is_public=False)
    bill(account, {water: 100})
    return account


def url(name: str, account: Account, *args) -> str:
    return reverse(f"payacp:{name}", args=[account.number, *args])


def _text(response, number: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return html.replace(number, "?")


def _event_post(client, public, number):
    data = {
        "t-TOTAL_FORMS": "1",
        "t-INITIAL_FORMS": "0",
        "p-TOTAL_FORMS": "2",
        "p-INITIAL_FORMS": "0",
        "mode": DistributionMode.DISTRIBUTE_AND_FREEZE,
        "t-0-tender_type": tender_type("CASH").pk,
        "t-0-amount": "30.00",
        "p-0-account_number": public.number,
        "p-0-amount": "20.00",
        "p-1-account_number": number,
        "p-1-amount": "10.00",
    }
    return client.post(url("payment-event", public), data, **HX)


def _transfer_post(client, public, number):
    payment = Payment.objects.filter(account=public, status="frozen").first() or pay(public, 5)
    data = {"reason": reason("WRONGACCT").pk, "account_number": number}
    return client.post(url("payment-action", public, payment.pk, "transfer"), data, **HX)


@pytest.mark.parametrize("post", [_event_post, _transfer_post], ids=["payee", "transfer"])
def test_a_private_number_typed_in_the_panel_is_an_unknown_account(client, public, private, post):
    """Item 11: the payee and transfer-target lookups answer a private account's number
    with the very message (and status) an unknown number gets; nothing reaches it."""
    login(client, "CSR")
    missing = post(client, public, MISSING)
    hidden = post(client, public, private.number)
    assert hidden.status_code == missing.status_code == 422
    assert _text(hidden, private.number) == _text(missing, MISSING)
    assert not Payment.objects.filter(account=private).exists()


def test_nsf_in_the_panel_does_not_reach_a_private_payee_of_the_same_event(client, public, private):
    """Cancelling a tender cancels every payment of its event: when one of them is a
    private account's, the tender is not the CSR's to cancel (as through the API)."""
    event = payment_event_create(
        tender_source=source(),
        tenders=[TenderIn(tender_type=tender_type("CHECK"), amount=D("30.00"))],
        payments=[
            PaymentIn(account=public, amount=D("20.00")),
            PaymentIn(account=private, amount=D("10.00")),
        ],
        mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
    )
    login(client, "CSR")
    mine = event.payments.get(account=public)
    for action in ("nsf", "return"):
        response = client.post(
            url("payment-action", public, mine.pk, action), {"reason": reason("NSF").pk}, **HX
        )
        assert response.status_code == 404, action
    assert Tender.objects.get().status == Tender.Status.VALID
    assert set(event.payments.values_list("status", flat=True)) == {"frozen"}


@pytest.mark.parametrize(
    ("role", "may_delete"), [("CSR", False), ("Supervisor", True), ("Administrator", True)]
)
def test_only_a_supervisor_deletes_an_unposted_payment_a_csr_cancels_it(
    client, public, role, may_delete
):
    """Item 13: the tab offers Delete to those with `delete_payment` only, and the action
    refuses everyone else (403); a CSR cancels the unposted payment with a reason."""
    login(client, role)
    payment = pay(public, "25.00", mode=DistributionMode.MANUAL)
    tab = client.get(reverse("acp:tab", args=[public.number, "payments"]), **HX)
    delete_url = url("payment-action", public, payment.pk, "delete")
    cancel_url = url("payment-action", public, payment.pk, "cancel")
    assert (delete_url in tab.content.decode()) is may_delete
    assert cancel_url in tab.content.decode()
    deleted = client.post(delete_url, **HX)
    if may_delete:
        assert deleted.status_code == 200 and not Payment.objects.exists()
        return
    assert deleted.status_code == 403 and client.get(delete_url, **HX).status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()
    assert client.get(cancel_url, **HX).status_code == 200
    cancelled = client.post(
        cancel_url, {"reason": reason("KEYERR").pk, "comment": "keyed twice"}, **HX
    )
    assert cancelled.status_code == 200, cancelled.content.decode()[:500]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED and payment.cancel_comment == "keyed twice"
    assert list(ledger_breaches()) == []
