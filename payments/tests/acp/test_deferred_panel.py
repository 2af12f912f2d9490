"""Customer tab > Deferred Charges (seed 004) through the panel: the items with the
customer's participation, and a CSR opting the customer in and out."""

import re
from decimal import Decimal as D

from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from accounts.ledger_checks import ledger_breaches
from accounts.models import GLAccount
from payments.models import DeferredCharge, DeferredChargeEnrollment, DeferredChargeType
from payments.tests.factories import pay

HX = {"HTTP_HX_REQUEST": "true"}


def donation(**fields) -> DeferredChargeType:
    return DeferredChargeType.objects.create(
        code="ROUND",
        description="Round-up for the warmth fund",
        signup_type=DeferredChargeType.Signup.OPT_IN,
        trigger=DeferredChargeType.Trigger.OVERPAYMENT,
        round_up_multiple=D("1.00"),
        gl_account=GLAccount.objects.get(code="2400"),
        **fields,
    )


def customer_tab(client, account) -> str:
    url = reverse("acp:panel", args=[account.number]) + "?tab=customer"
    return client.get(url).content.decode()


def subtab_button(html: str) -> str:
    found = re.search(r'<button [^>]*id="st-deferred"[^>]*>.*?</button>', html, re.S)
    assert found, "no Deferred Charges sub-tab"
    return found.group(0)


def test_csr_opts_the_customer_in_and_the_next_payment_donates(client_csr, water):
    """The item shows unchecked (opt-in); Opt in checks it and turns the sub-tab red.
    150.00 owed is a whole amount, so rounding it up donates nothing; with a fixed 0.25
    as well, the next payment (all overpayment) donates 0.25. Opt out stops it."""
    item = donation()
    html = customer_tab(client_csr, water)
    assert "Deferred Charges" in subtab_button(html)
    assert "has-records" not in subtab_button(html)
    assert 'data-deferred="ROUND" data-participating="no"' in html
    response = client_csr.post(
        reverse("payacp:deferred-set", args=[water.number, item.pk]), {"participating": "1"}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 200 and response["HX-Trigger"] == "acp-changed"
    assert 'data-deferred="ROUND" data-participating="yes"' in body
    assert "has-records" in subtab_button(body)
    enrollment = DeferredChargeEnrollment.objects.get()
    assert enrollment.is_participating and enrollment.changed_by.username == "casey"
    payment = pay(water, "150.70")  # 150.00 owed: round-up wants 0.00
    assert not DeferredCharge.objects.filter(payment=payment).exists()
    water.refresh_from_db()
    assert water.balance == D("-0.70")
    item.fixed_amount = D("0.25")
    item.save()
    payment = pay(water, "10.00")  # nothing owed; fixed 0.25 of the 10.00 over
    assert DeferredCharge.objects.get(payment=payment).amount == D("0.25")
    html = customer_tab(client_csr, water)
    assert "Recent deferred charges on this account" in html and "$0.25" in html
    response = client_csr.post(
        reverse("payacp:deferred-set", args=[water.number, item.pk]), {"participating": "0"}, **HX
    )
    assert 'data-participating="no"' in response.content.decode()
    pay(water, "5.00")
    assert DeferredCharge.objects.count() == 1
    assert list(ledger_breaches()) == []


def test_a_user_without_the_permission_cannot_change_participation(client, water):
    item = donation()
    viewer = User.objects.create_user("viewer", password="view-pass-9")
    group = Group.objects.create(name="Readers")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    viewer.groups.set([group])
    assert client.login(username="viewer", password="view-pass-9")
    html = customer_tab(client, water)
    assert 'data-deferred="ROUND"' in html and 'data-action="opt-in"' not in html
    response = client.post(
        reverse("payacp:deferred-set", args=[water.number, item.pk]), {"participating": "1"}, **HX
    )
    assert response.status_code == 403
    assert not DeferredChargeEnrollment.objects.exists()
