"""Private accounts through the payments API (issue 7 items 10, 11) and who may delete
(item 13). DESIGN §8: a private customer's records are seen and touched only by roles with
`accounts.view_private_account`; for everyone else they do not exist, so every answer is the
one a wrong id or number gets, and nothing tells a CSR which private numbers exist."""

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from accounts.ledger_checks import ledger_breaches
from payments.models import Payment, PaySegment, Tender
from payments.services.events import DistributionMode
from payments.tests.factories import account_with, bill, pay

pytestmark = pytest.mark.usefixtures("pay_ref")

MISSING = "9999999999"  # an account number nobody has
MISSING_PK = 999_999_999


def role_client(role: str, username: str | None = None) -> APIClient:
    user = User.objects.create_user(username or role.lower(), password="x")
    user.groups.add(Group.objects.get(name=role))
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    return client


@pytest.fixture
def csr():
    return role_client("CSR")


@pytest.fixture
def public():
    account, (water,) = account_with("WATER")
    bill(account, {water: 100})
    return account


@pytest.fixture
def private():
    account, (water,) = account_with("WATER", customer__is_public=False)
    bill(account, {water: 100})
    return account


def _body(payee: str, *, payor: str | None = None, amount: str = "10.00") -> dict:
    tender = {"tender_type": "CHECK", "amount": amount, "check_number": "2001"}
    if payor is not None:
        tender["payor_account"] = payor
    return {
        "tender_source": "CASHIER",
        "payment_date": "2026-01-15",
        "tenders": [tender],
        "payments": [{"account": payee, "amount": amount}],
    }


@pytest.mark.parametrize("endpoint", ["cancel", "return"])
def test_a_csr_cannot_cancel_or_return_a_private_accounts_tender(csr, private, endpoint):
    """Item 10: tender ids are sequential, so a CSR could cancel (NSF) or return any
    tender by guessing; a private account's tender answers 404, exactly as a missing id."""
    payment = pay(private, "25.00", tender="CHECK")
    tender = payment.event.tenders.get()
    body = {"reason": "NSF"}
    hidden = csr.post(f"/api/v1/tenders/{tender.pk}/{endpoint}/", body, format="json")
    missing = csr.post(f"/api/v1/tenders/{MISSING_PK}/{endpoint}/", body, format="json")
    assert (hidden.status_code, hidden.data) == (missing.status_code, missing.data)
    assert hidden.status_code == 404
    tender.refresh_from_db()
    payment.refresh_from_db()
    assert tender.status == Tender.Status.VALID and payment.status == Payment.Status.FROZEN
    # an administrator may
    admin = role_client("Administrator", "admin1")
    allowed = admin.post(f"/api/v1/tenders/{tender.pk}/{endpoint}/", body, format="json")
    assert allowed.status_code == 200, allowed.data
    assert list(ledger_breaches()) == []


def test_a_check_cashed_for_a_private_payor_is_hidden_from_a_csr(csr, private):
    """A check-cashing event has no payment: its payor decides whether it is private."""
    admin = role_client("Administrator", "admin1")
    cashed = admin.post(
        "/api/v1/check-cashing/",
        {
            "tender_source": "CASHIER",
            "check_type": "CHECK",
            "amount": "40.00",
            "payor_account": private.number,
        },
        format="json",
    )
    assert cashed.status_code == 201, cashed.data
    check = next(t for t in cashed.data["tenders"] if t["amount"] == "40.00")
    assert csr.get(f"/api/v1/payment-events/{cashed.data['id']}/").status_code == 404
    assert (
        csr.post(f"/api/v1/tenders/{check['id']}/cancel/", {"reason": "NSF"}, format="json")
    ).status_code == 404


# Every input that names an account or an SA: (how to post it, given the number / SA id).
def _event_payee(csr, public, number):
    return csr.post("/api/v1/payment-events/", _body(number), format="json")


def _event_payor(csr, public, number):
    return csr.post("/api/v1/payment-events/", _body(public.number, payor=number), format="json")


def _add_payment(csr, public, number):
    payment = pay(public, "10.00")
    cancelled = csr.post(f"/api/v1/payments/{payment.pk}/cancel/", {"reason": "KEYERR"})
    assert cancelled.status_code == 200
    return csr.post(
        f"/api/v1/payment-events/{payment.event_id}/payments/",
        {"payment": {"account": number, "amount": "10.00"}},
        format="json",
    )


def _allocation(csr, public, number):
    payment = pay(public, "10.00", mode=DistributionMode.DO_NOT_DISTRIBUTE)
    return csr.put(
        f"/api/v1/payment-events/{payment.event_id}/allocation/",
        {"payments": [{"account": number, "amount": "10.00"}]},
        format="json",
    )


def _transfer(csr, public, number):
    payment = pay(public, "10.00")
    return csr.post(
        f"/api/v1/payments/{payment.pk}/transfer/",
        {"reason": "TRANSFER", "targets": [{"account": number, "amount": "10.00"}]},
        format="json",
    )


def _check_cashing(csr, public, number):
    return csr.post(
        "/api/v1/check-cashing/",
        {
            "tender_source": "CASHIER",
            "check_type": "CHECK",
            "amount": "40.00",
            "payor_account": number,
        },
        format="json",
    )


def _distribute_sa(csr, public, sa_id):
    payment = pay(public, "10.00", mode=DistributionMode.DO_NOT_DISTRIBUTE)
    return csr.post(
        f"/api/v1/payments/{payment.pk}/distribute/",
        {"sa_amounts": [{"sa": sa_id, "amount": "10.00"}]},
        format="json",
    )


def _event_sa(csr, public, sa_id):
    body = _body(public.number)
    body["mode"] = "manual"
    body["payments"][0]["sa_amounts"] = [{"sa": sa_id, "amount": "10.00"}]
    return csr.post("/api/v1/payment-events/", body, format="json")


ACCOUNT_INPUTS = [
    _event_payee,
    _event_payor,
    _add_payment,
    _allocation,
    _transfer,
    _check_cashing,
]
SA_INPUTS = [_distribute_sa, _event_sa]


def _same_answer(hidden, missing, private_key, missing_key) -> None:
    assert hidden.status_code == missing.status_code == 400, (hidden.data, missing.data)
    assert str(hidden.data).replace(str(private_key), "?") == str(missing.data).replace(
        str(missing_key), "?"
    )


@pytest.mark.parametrize("post", ACCOUNT_INPUTS, ids=lambda f: f.__name__.strip("_"))
def test_a_private_account_number_is_answered_as_an_unknown_one(csr, public, private, post):
    """Item 11: a CSR who types a private account's number (payee, payor, added payment,
    allocation, transfer target, cashed check's payor) gets the answer an unknown number
    gets, same status and same message, and nothing reaches the private account."""
    missing = post(csr, public, MISSING)
    hidden = post(csr, public, private.number)
    _same_answer(hidden, missing, private.number, MISSING)
    assert not Payment.objects.filter(account=private).exists()
    assert not Tender.objects.filter(payor_account=private).exists()
    assert list(ledger_breaches()) == []


@pytest.mark.parametrize("post", SA_INPUTS, ids=lambda f: f.__name__.strip("_"))
def test_a_private_accounts_sa_is_answered_as_an_unknown_one(csr, public, private, post):
    """Item 11: SA ids are sequential too; a private account's SA is an unknown SA."""
    private_sa = private.agreements.get()
    missing = post(csr, public, MISSING_PK)
    hidden = post(csr, public, private_sa.pk)
    _same_answer(hidden, missing, private_sa.pk, MISSING_PK)
    assert not PaySegment.objects.filter(sa=private_sa).exists()


def test_an_administrator_still_pays_a_private_account(private):
    """The filter is by role, not a ban: with `view_private_account` the inputs accept it."""
    admin = role_client("Administrator", "admin1")
    response = admin.post("/api/v1/payment-events/", _body(private.number), format="json")
    assert response.status_code == 201, response.data


# -- item 13: who deletes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may_delete"), [("CSR", False), ("Supervisor", True), ("Administrator", True)]
)
def test_deleting_an_unposted_payment_or_event_is_for_supervisors(public, role, may_delete):
    """Item 13 (role table: Supervisor deletes; a CSR cancels with a reason): a CSR's
    DELETE of an unfrozen payment or event is 403 and leaves it; a Supervisor's and an
    Administrator's is 204. A CSR cancels the same unposted payment with a reason."""
    client = role_client(role)
    payment = pay(public, "10.00", mode=DistributionMode.DO_NOT_DISTRIBUTE)
    other = pay(public, "12.00", mode=DistributionMode.DO_NOT_DISTRIBUTE)
    deleted = client.delete(f"/api/v1/payments/{payment.pk}/")
    deleted_event = client.delete(f"/api/v1/payment-events/{other.event_id}/")
    if may_delete:
        assert (deleted.status_code, deleted_event.status_code) == (204, 204)
        assert not Payment.objects.exists()
        return
    assert (deleted.status_code, deleted_event.status_code) == (403, 403)
    assert Payment.objects.count() == 2
    cancelled = client.post(
        f"/api/v1/payments/{payment.pk}/cancel/",
        {"reason": "KEYERR", "comment": "keyed twice"},
        format="json",
    )
    assert cancelled.status_code == 200, cancelled.data
    assert cancelled.data["status"] == "cancelled" and cancelled.data["cancel_reason"] == "KEYERR"
    assert list(ledger_breaches()) == []
