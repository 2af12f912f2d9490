"""History tab actions over HTTP (issue 8 item 6; seed 004 History actions): a Supervisor
adjusts a charge through the adjustment service; a CSR is offered no Adjust; a payment
paid over two services shows one action set, its other segment grouped under it."""

from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.urls import reverse

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account, Adjustment, AdjustmentType, FinancialTransaction
from payments.tests.factories import pay

HX = {"HTTP_HX_REQUEST": "true"}
PASSWORD = "history-adjust-pass-8"


def login(client, role: str):
    user = User.objects.create_user(role.lower(), password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    assert client.login(username=user.username, password=PASSWORD)
    return user


def charge_of(account, code: str) -> FinancialTransaction:
    return FinancialTransaction.objects.get(
        account=account, kind="bill_segment", sa__sa_type__code=code
    )


def history(client, account) -> str:
    response = client.get(reverse("acp:tab", args=[account.number, "history"]), **HX)
    assert response.status_code == 200
    return response.content.decode()


def adjust_url(account, ft) -> str:
    return reverse("acp:history-adjust", args=[account.number, ft.pk])


def test_a_supervisor_adjusts_a_charge_from_history(client, water):
    supervisor = login(client, "Supervisor")
    charge = charge_of(water, "WATER")
    assert adjust_url(water, charge) in history(client, water)
    form = client.get(adjust_url(water, charge), **HX).content.decode()
    assert "Adjust charge:" in form and "$100.00" in form and "01/01/2026" in form
    credit = AdjustmentType.objects.get(code="CREDIT")
    response = client.post(
        adjust_url(water, charge),
        {"adjustment_type": credit.pk, "amount": "-20.00", "reason": "Leak courtesy"},
        **HX,
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "acp-changed"
    html = response.content.decode()
    assert "Adjustment of -$20.00 (Courtesy credit) posted to" in html
    adjustment = Adjustment.objects.get()
    assert adjustment.sa_id == charge.sa_id and adjustment.amount == Decimal("-20.00")
    assert adjustment.created_by == supervisor and adjustment.reason == "Leak courtesy"
    assert Account.objects.get(pk=water.pk).balance == Decimal("130.00")
    assert list(ledger_breaches()) == []


def test_a_bad_adjustment_is_refused_and_nothing_posts(client, water):
    login(client, "Supervisor")
    charge = charge_of(water, "WATER")
    credit = AdjustmentType.objects.get(code="CREDIT")
    for amount in ("1e2", "0", ""):
        response = client.post(
            adjust_url(water, charge),
            {"adjustment_type": credit.pk, "amount": amount, "reason": "x"},
            **HX,
        )
        assert response.status_code == 422
    assert not Adjustment.objects.exists()
    assert Account.objects.get(pk=water.pk).balance == Decimal("150.00")


def test_a_csr_is_not_offered_adjust_and_cannot_post_one(client, water):
    login(client, "CSR")
    charge = charge_of(water, "WATER")
    html = history(client, water)
    assert adjust_url(water, charge) not in html and ">Adjust</button>" not in html
    assert client.get(adjust_url(water, charge), **HX).status_code == 403
    credit = AdjustmentType.objects.get(code="CREDIT")
    data = {"adjustment_type": credit.pk, "amount": "-5", "reason": "x"}
    assert client.post(adjust_url(water, charge), data, **HX).status_code == 403
    assert not Adjustment.objects.exists()


def test_a_payment_is_not_adjustable_and_shows_one_action_set(client, water):
    login(client, "Supervisor")
    pay(water, "150.00")
    html = history(client, water)
    segments = FinancialTransaction.objects.filter(account=water, kind="pay_segment")
    assert segments.count() == 2
    for ft in segments:
        assert adjust_url(water, ft) not in html
    assert html.count(">Reverse</button>") == 1
    assert "Segment of the payment of $150.00 above" in html
