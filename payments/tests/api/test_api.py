"""The payments REST API under /api/v1/: create events, distribute/freeze, cancel and NSF,
transfer, receipts, controls, permissions, and the OpenAPI schema."""

import subprocess
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.ledger_checks import ledger_breaches
from accounts.models import Adjustment
from payments.models import Payment
from payments.tests.factories import account_with, bill

pytestmark = pytest.mark.usefixtures("pay_ref")


@pytest.fixture
def billed():
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    return account, water, sewer


def event_body(account, amount="70.00", **extra):
    return {
        "tender_source": "CASHIER",
        "payment_date": "2026-01-15",
        "tenders": [{"tender_type": "CHECK", "amount": amount, "check_number": "1001"}],
        "payments": [{"account": account.number, "amount": amount}],
        **extra,
    }


def test_create_event_distributes_and_freezes(csr, billed):
    account, water, sewer = billed
    response = csr.post("/api/v1/payment-events/", event_body(account), format="json")
    assert response.status_code == 201, response.data
    payment = response.data["payments"][0]
    assert payment["status"] == "frozen"
    assert {s["sa_type"]: s["amount"] for s in payment["segments"]} == {
        "WATER": "40.00",
        "SEWER": "30.00",
    }
    assert response.data["unapplied"] == "0.00"
    listed = csr.get(f"/api/v1/accounts/{account.number}/payments/")
    assert listed.status_code == 200 and listed.data["count"] == 1


def test_manual_then_distribute_and_freeze_endpoints(csr, billed):
    account, water, sewer = billed
    body = event_body(account, "30.00", mode="manual")
    created = csr.post("/api/v1/payment-events/", body, format="json")
    pk = created.data["payments"][0]["id"]
    assert created.data["payments"][0]["status"] == "incomplete"
    response = csr.post(
        f"/api/v1/payments/{pk}/distribute/",
        {"sa_amounts": [{"sa": sewer.pk, "amount": "30.00"}]},
        format="json",
    )
    assert [s["sa_type"] for s in response.data["segments"]] == ["SEWER"]
    frozen = csr.post(f"/api/v1/payments/{pk}/freeze/")
    assert frozen.status_code == 200 and frozen.data["status"] == "frozen"
    again = csr.post(f"/api/v1/payments/{pk}/freeze/")
    assert again.status_code == 409 and "is frozen" in again.data["detail"]


def test_refused_payment_answers_400_with_the_reason(csr, billed):
    account, *_ = billed
    account.customer.do_not_accept_payments = True
    account.customer.save(update_fields=["do_not_accept_payments"])
    response = csr.post("/api/v1/payment-events/", event_body(account), format="json")
    assert response.status_code == 400
    assert "does not accept payments" in response.data["detail"]


def test_unbalanced_event_and_card_number_are_refused(csr, billed):
    account, *_ = billed
    body = event_body(account)
    body["payments"][0]["amount"] = "60.00"
    assert csr.post("/api/v1/payment-events/", body, format="json").status_code == 400
    body = event_body(account)
    body["tenders"][0] = {
        "tender_type": "CARD",
        "amount": "70.00",
        "processor_token": "4111 1111 1111 1111",
    }
    response = csr.post("/api/v1/payment-events/", body, format="json")
    assert response.status_code == 400
    assert "card number" in str(response.data)


def test_cancel_payment_and_nsf_tender(csr, billed):
    account, *_ = billed
    created = csr.post("/api/v1/payment-events/", event_body(account), format="json").data
    payment_id, tender_id = created["payments"][0]["id"], created["tenders"][0]["id"]
    cancelled = csr.post(
        f"/api/v1/payments/{payment_id}/cancel/", {"reason": "KEYERR"}, format="json"
    )
    assert cancelled.status_code == 200 and cancelled.data["status"] == "cancelled"
    event = csr.get(f"/api/v1/payment-events/{created['id']}/").data
    assert event["unapplied"] == "70.00"
    # a new payment on the same tender, then the check bounces
    added = csr.post(
        f"/api/v1/payment-events/{created['id']}/payments/",
        {"payment": {"account": account.number, "amount": "70.00"}},
        format="json",
    )
    assert added.status_code == 201 and added.data["status"] == "frozen"
    nsf = csr.post(f"/api/v1/tenders/{tender_id}/cancel/", {"reason": "NSF"}, format="json")
    assert nsf.status_code == 200
    assert nsf.data["tenders"][0]["status"] == "cancelled"
    assert {p["status"] for p in nsf.data["payments"]} == {"cancelled"}
    assert Adjustment.objects.get().amount == D("25.00")
    assert list(ledger_breaches()) == []


def test_returned_payment_with_representment(csr, billed):
    account, *_ = billed
    created = csr.post("/api/v1/payment-events/", event_body(account), format="json").data
    response = csr.post(
        f"/api/v1/tenders/{created['tenders'][0]['id']}/return/",
        {"reason": "NSF", "represent": True},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.data["tender"]["status"] == "cancelled"
    assert response.data["representment"]["payments"][0]["status"] == "frozen"


def test_transfer(csr, billed):
    account, *_ = billed
    other, _ = account_with("WATER")
    created = csr.post("/api/v1/payment-events/", event_body(account), format="json").data
    payment_id = created["payments"][0]["id"]
    response = csr.post(
        f"/api/v1/payments/{payment_id}/transfer/",
        {"reason": "TRANSFER", "targets": [{"account": other.number, "amount": "70.00"}]},
        format="json",
    )
    assert response.status_code == 200, response.data
    by_id = {p["id"]: p for p in response.data["payments"]}
    assert by_id[payment_id]["status"] == "cancelled"
    [moved] = [p for p in by_id.values() if p["transferred_from"] == payment_id]
    assert (moved["account"], moved["status"]) == (other.number, "frozen")


def test_receipt_pdf_and_email(csr, billed, django_capture_on_commit_callbacks, mailoutbox):
    account, *_ = billed
    created = csr.post("/api/v1/payment-events/", event_body(account), format="json").data
    pk = created["payments"][0]["id"]
    response = csr.get(f"/api/v1/payments/{pk}/receipt/?layout=long")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Payment receipt" in text and account.number in text and "Water service" in text
    reprint = csr.get(f"/api/v1/payments/{pk}/receipt/", HTTP_ACCEPT="application/pdf")
    assert reprint.status_code == 200 and b"%PDF" in reprint.content[:8]
    assert csr.get(f"/api/v1/payments/{pk}/receipt/?layout=poster").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        emailed = csr.post(
            f"/api/v1/payments/{pk}/receipt/email/", {"to": "a@example.com"}, format="json"
        )
    assert emailed.status_code == 202 and emailed.data["is_duplicate"] is True
    assert mailoutbox[0].attachments[0][2] == "application/pdf"


def test_non_cis_payment_and_check_cashing(csr, billed):
    response = csr.post(
        "/api/v1/non-cis-payments/",
        {
            "tender_source": "CASHIER",
            "payer_name": "Acme Builders",
            "distribution_code": "PERMIT",
            "tenders": [{"tender_type": "CASH", "amount": "15.00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["payments"][0]["distribution_code"] == "PERMIT"
    cashed = csr.post(
        "/api/v1/check-cashing/",
        {
            "tender_source": "CASHIER",
            "check_type": "CHECK",
            "amount": "100.00",
            "payor_account": billed[0].number,
        },
        format="json",
    )
    assert cashed.status_code == 201, cashed.data
    assert sorted(t["amount"] for t in cashed.data["tenders"]) == ["-100.00", "100.00"]


def test_check_cashing_without_a_payor_and_nsf_on_cash_answer_400(csr, billed):
    """Rules the services enforce reach the API client as a 400 with the reason: a check
    is cashed only for an account that would owe it back, and cash can't be NSF."""
    anonymous = csr.post(
        "/api/v1/check-cashing/",
        {"tender_source": "CASHIER", "check_type": "CHECK", "amount": "100.00"},
        format="json",
    )
    assert anonymous.status_code == 400 and "payor account" in anonymous.data["detail"]
    body = event_body(billed[0])
    body["tenders"][0] = {"tender_type": "CASH", "amount": "70.00"}
    created = csr.post("/api/v1/payment-events/", body, format="json").data
    nsf = csr.post(
        f"/api/v1/tenders/{created['tenders'][0]['id']}/cancel/", {"reason": "NSF"}, format="json"
    )
    assert nsf.status_code == 400 and "NSF reasons apply only to" in nsf.data["detail"]


def test_controls_flow(csr, billed):
    account, *_ = billed
    deposit = csr.post(
        "/api/v1/deposit-controls/", {"deposit_date": "2026-01-15"}, format="json"
    ).data
    drawer = csr.post(
        "/api/v1/tender-controls/",
        {"deposit_control": deposit["id"], "tender_source": "CASHIER"},
        format="json",
    ).data
    body = event_body(account)
    body["tenders"][0]["tender_control"] = drawer["id"]
    assert csr.post("/api/v1/payment-events/", body, format="json").status_code == 201
    balanced = csr.post(
        f"/api/v1/tender-controls/{drawer['id']}/balance/",
        {"counted_count": 1, "counted_total": "70.00"},
        format="json",
    )
    assert balanced.data["balanced"] is True
    assert csr.post(f"/api/v1/deposit-controls/{deposit['id']}/balance/").data["balanced"]


def test_delete_unfrozen_event_and_permissions(csr, billed):
    account, *_ = billed
    created = csr.post(
        "/api/v1/payment-events/", event_body(account, mode="do_not_distribute"), format="json"
    ).data
    # issue 7 item 13: a Supervisor deletes, a CSR may not
    assert csr.delete(f"/api/v1/payment-events/{created['id']}/").status_code == 403
    supervisor = APIClient()
    user = User.objects.create_user("sup", password="x")
    user.groups.add(Group.objects.get(name="Supervisor"))
    supervisor.force_authenticate(user)
    assert supervisor.delete(f"/api/v1/payment-events/{created['id']}/").status_code == 204
    assert not Payment.objects.exists()
    nobody = APIClient()
    nobody.force_authenticate(User.objects.create_user("guest", password="x"))
    assert (
        nobody.post("/api/v1/payment-events/", event_body(account), format="json").status_code
        == 403
    )
    assert nobody.get("/api/v1/tender-types/").status_code == 403
    assert APIClient().get("/api/v1/tender-types/").status_code in (401, 403)
    types = csr.get("/api/v1/tender-types/").data
    assert {"code": "CASH", "description": "Cash", "category": "cash"} in types


def test_schema_documents_the_payments_api(client, tmp_path):
    client.force_login(User.objects.create_user("reader", password="x"))
    response = client.get("/api/schema/")
    assert response.status_code == 200
    for path in (b"/api/v1/payment-events/", b"/api/v1/tenders/{id}/cancel/", b"receipt"):
        assert path in response.content
    # and it validates without a single drf-spectacular warning
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


def test_private_accounts_are_404_through_the_api_for_a_csr(csr, billed):
    """DESIGN §8: a private customer's account, payments and events are visible to roles
    with `view_private_account` only; others get the same 404 as a missing record."""
    from accounts.models import Customer
    from payments.tests.factories import pay

    account, _, _ = billed
    payment = pay(account, "10.00")
    Customer.objects.filter(pk=account.customer_id).update(is_public=False)
    for path in (
        f"/api/v1/accounts/{account.number}/",
        f"/api/v1/accounts/{account.number}/aging/",
        f"/api/v1/accounts/{account.number}/payments/",
        f"/api/v1/payments/{payment.pk}/",
        f"/api/v1/payment-events/{payment.event_id}/",
    ):
        assert csr.get(path).status_code == 404, path
    admin = User.objects.create_user("admin1", password="x")
    admin.groups.add(Group.objects.get(name="Administrator"))
    client = APIClient()
    client.force_authenticate(admin)
    assert client.get(f"/api/v1/accounts/{account.number}/").status_code == 200
    assert client.get(f"/api/v1/payments/{payment.pk}/").status_code == 200
