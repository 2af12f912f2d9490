"""The Payments tab of the Account Control Panel over HTTP (issue 4 item 9)."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from accounts.models import Account, Adjustment, Customer, Note, NoteType
from payments.models import Payment, PaymentEvent, Tender
from payments.services.events import DistributionMode
from payments.tests.factories import account_with, bill, pay, reason, tender_type
from payments.tests.upload.staging import upload

HX = {"HTTP_HX_REQUEST": "true"}
PASSWORD = "pay-panel-pass-9"
D = Decimal


def url(name: str, account: Account, *args) -> str:
    return reverse(f"payacp:{name}", args=[account.number, *args])


def balance(account: Account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


def test_the_tab_lists_payments_and_offers_the_balance(client_csr, water):
    """The tab opens with the quick-add amount set to the balance."""
    pay(water, "20.00")
    response = client_csr.get(reverse("acp:tab", args=[water.number, "payments"]), **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="130.00"' in html and "$20.00" in html and "Frozen" in html


def test_quick_add_posts_a_frozen_payment_and_the_balance_drops(client_csr, water, csr):
    response = client_csr.post(
        url("payment-quick", water),
        {"amount": "60.00", "tender_type": tender_type("CASH").pk},
        **HX,
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "acp-changed"
    payment = Payment.objects.get(account=water)
    assert payment.status == Payment.Status.FROZEN and payment.created_by == csr
    assert balance(water) == D("90.00")
    assert "Payment of $60.00 posted." in response.content.decode()


def test_quick_add_with_a_check_needs_its_number(client_csr, water):
    response = client_csr.post(
        url("payment-quick", water), {"amount": "10", "tender_type": tender_type("CHECK").pk}, **HX
    )
    assert response.status_code == 422
    assert 'id="id_check_number_error"' in response.content.decode()
    assert not Payment.objects.exists()


def test_a_refused_payment_shows_the_message_and_saves_nothing(client_csr, water):
    Customer.objects.filter(pk=water.customer_id).update(do_not_accept_payments=True)
    response = client_csr.post(
        url("payment-quick", water), {"amount": "10", "tender_type": tender_type("CASH").pk}, **HX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f"Account {water.number} does not accept payments" in html and 'role="alert"' in html
    assert not PaymentEvent.objects.exists() and balance(water) == D("150.00")


def test_a_full_event_with_two_tenders_and_two_payees_balances(client_csr, water, pay_ref):
    other, (sa,) = account_with("WATER")
    bill(other, {sa: 40})
    data = {
        "t-TOTAL_FORMS": "3",
        "t-INITIAL_FORMS": "0",
        "p-TOTAL_FORMS": "3",
        "p-INITIAL_FORMS": "0",
        "mode": DistributionMode.DISTRIBUTE_AND_FREEZE,
        "t-0-tender_type": tender_type("CASH").pk,
        "t-0-amount": "50.00",
        "t-1-tender_type": tender_type("CHECK").pk,
        "t-1-amount": "90.00",
        "t-1-check_number": "1042",
        "p-0-account_number": water.number,
        "p-0-amount": "100.00",
        "p-1-account_number": other.number,
        "p-1-amount": "40.00",
    }
    response = client_csr.post(url("payment-event", water), data, **HX)
    assert response.status_code == 200, response.content.decode()[:2000]
    event = PaymentEvent.objects.get()
    assert event.tenders.count() == 2 and event.payments.count() == 2
    assert balance(water) == D("50.00") and balance(other) == D("0.00")

    data["p-1-amount"] = "41.00"  # out of balance: the service's message, nothing saved
    response = client_csr.post(url("payment-event", water), data, **HX)
    assert response.status_code == 422
    assert "The tenders total $140.00 but the payments total $141.00." in response.content.decode()
    assert PaymentEvent.objects.count() == 1


def test_manual_distribution_puts_the_amounts_on_the_chosen_sas(client_csr, water):
    sewer = water.agreements.get(sa_type__code="SEWER")
    data = {
        "t-TOTAL_FORMS": "1",
        "t-INITIAL_FORMS": "0",
        "p-TOTAL_FORMS": "1",
        "p-INITIAL_FORMS": "0",
        "mode": DistributionMode.MANUAL,
        "t-0-tender_type": tender_type("CASH").pk,
        "t-0-amount": "30.00",
        "p-0-account_number": water.number,
        "p-0-amount": "30.00",
        f"sa_{sewer.pk}": "30.00",
    }
    response = client_csr.post(url("payment-event", water), data, **HX)
    assert response.status_code == 200
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.INCOMPLETE  # manual: frozen separately
    assert [(s.sa_id, s.amount) for s in payment.segments.all()] == [(sewer.pk, D("30.00"))]


def test_delete_an_unposted_payment(client, water):
    """A Supervisor deletes (issue 7 item 13; a CSR cancels, test_private_and_roles.py)."""
    supervisor = User.objects.create_user("sam", password=PASSWORD)
    supervisor.groups.add(Group.objects.get(name="Supervisor"))
    client.force_login(supervisor)
    payment = pay(water, "25.00", mode=DistributionMode.MANUAL)
    response = client.post(url("payment-action", water, payment.pk, "delete"), **HX)
    assert response.status_code == 200 and not Payment.objects.exists()


def test_delete_refused_when_a_file_line_posted_the_payment(client, water):
    """An unposted payment from an upload keeps its file line's reference: the panel says
    why it can't be deleted (422 with the reason), never a server error."""
    supervisor = User.objects.create_user("sam", password=PASSWORD)
    supervisor.groups.add(Group.objects.get(name="Supervisor"))
    client.force_login(supervisor)
    payment = pay(water, "25.00", mode=DistributionMode.MANUAL)
    upload([{"account_reference": water.number, "amount": "25.00", "payment": payment}])
    response = client.post(url("payment-action", water, payment.pk, "delete"), **HX)
    assert response.status_code == 422 and "kept on record" in response.content.decode()
    assert Payment.objects.filter(pk=payment.pk, status=Payment.Status.INCOMPLETE).exists()


def test_reverse_a_payment_with_a_reason(client_csr, water):
    payment = pay(water, "25.00")
    assert balance(water) == D("125.00")
    response = client_csr.post(
        url("payment-action", water, payment.pk, "reverse"),
        {"reason": reason("KEYERR").pk, "comment": "typo"},
        **HX,
    )
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED and balance(water) == D("150.00")


def test_reverse_needs_a_reason(client_csr, water):
    payment = pay(water, "25.00")
    response = client_csr.post(url("payment-action", water, payment.pk, "reverse"), {}, **HX)
    assert response.status_code == 422 and 'id="id_reason_error"' in response.content.decode()


def test_nsf_cancels_the_tender_and_adds_the_fee(client_csr, water):
    payment = pay(water, "25.00", tender="CHECK")
    response = client_csr.post(
        url("payment-action", water, payment.pk, "nsf"), {"reason": reason("NSF").pk}, **HX
    )
    assert response.status_code == 200
    assert Tender.objects.get().status == Tender.Status.CANCELLED
    assert Adjustment.objects.filter(sa__account=water, amount=D("25.00")).exists()
    assert balance(water) == D("175.00")


def test_nsf_on_a_cash_payment_is_refused_with_the_reason(client_csr, water):
    """Cash can't bounce: the CSR sees why, and nothing is cancelled."""
    payment = pay(water, "25.00")
    response = client_csr.post(
        url("payment-action", water, payment.pk, "nsf"), {"reason": reason("NSF").pk}, **HX
    )
    assert response.status_code == 422
    assert "NSF reasons apply only to" in response.content.decode()
    assert Tender.objects.get().status == Tender.Status.VALID


def test_returned_payment_with_representment(client_csr, water):
    payment = pay(water, "25.00", tender="CHECK")
    response = client_csr.post(
        url("payment-action", water, payment.pk, "return"),
        {"reason": reason("NSF").pk, "represent": "on", "represent_date": "2026-02-01"},
        **HX,
    )
    assert response.status_code == 200
    assert PaymentEvent.objects.count() == 2
    assert balance(water) == D("150.00")  # returned, fee added, presented again


def test_transfer_to_another_account(client_csr, water, pay_ref):
    other, _ = account_with("WATER")
    payment = pay(water, "25.00")
    response = client_csr.post(
        url("payment-action", water, payment.pk, "transfer"),
        {"reason": reason("WRONGACCT").pk, "account_number": other.number},
        **HX,
    )
    assert response.status_code == 200
    assert Payment.objects.get(account=other).transferred_from_id == payment.pk
    assert balance(water) == D("150.00")


def test_receipt_is_a_pdf(client_csr, water):
    payment = pay(water, "25.00")
    response = client_csr.post(url("payment-receipt", water, payment.pk), {"layout": "long"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_user_without_payment_permissions_gets_403(client, water):
    user = User.objects.create_user("viewer", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="view_account"))
    client.login(username="viewer", password=PASSWORD)
    payment = pay(water, "25.00")
    quick = {"amount": "10", "tender_type": tender_type("CASH").pk}
    assert client.post(url("payment-quick", water), quick, **HX).status_code == 403
    reverse_url = url("payment-action", water, payment.pk, "reverse")
    assert client.post(reverse_url, {"reason": reason("KEYERR").pk}, **HX).status_code == 403
    assert (
        client.post(url("payment-receipt", water, payment.pk), {"layout": "short"}).status_code
        == 403
    )
    assert Payment.objects.count() == 1


def test_payment_center_note_and_unposted_mark(client_csr, water):
    Note.objects.create(
        level="account",
        account=water,
        subject="Ask for the new phone number",
        text="Ask for the new phone number",
        note_type=NoteType.objects.get(code="GEN"),
        show_in_payment_center=True,
    )
    pay(water, "25.00", mode=DistributionMode.DO_NOT_DISTRIBUTE)
    html = client_csr.get(reverse("acp:panel", args=[water.number]) + "?tab=payments").content
    html = html.decode()
    assert 'role="dialog"' in html and "Ask for the new phone number" in html
    assert 'title="Not yet posted">U<' in html


def test_the_tab_stays_within_50_queries_for_many_payments(
    client_csr, water, django_assert_max_num_queries
):
    for i in range(30):
        pay(water, "1.00", day=dt.date(2026, 1, 2) + dt.timedelta(days=i))
    with django_assert_max_num_queries(50):
        response = client_csr.get(reverse("acp:tab", args=[water.number, "payments"]), **HX)
    assert response.content.decode().count('class="pay-row') == 30


def test_history_rows_of_a_payment_offer_its_actions(client_csr, water):
    """Issue 4 item 9, issue 8 items 1 and 6: the History tab's payment rows carry receipt,
    reverse, NSF, returned and transfer, once per payment (its other pay segment says it
    belongs to it); reversing from there posts the cancellation, shows the History tab
    again and says what was done."""
    payment = pay(water, "150.00")  # pays both SAs: two History rows for one payment
    response = client_csr.get(reverse("acp:tab", args=[water.number, "history"]), **HX)
    html = response.content.decode()
    assert response.status_code == 200
    action = url("payment-action", water, payment.pk, "reverse")
    assert html.count(f'hx-get="{action}?tab=history"') == 1
    assert html.count(url("payment-receipt", water, payment.pk)) == 1
    assert "Segment of the payment of $150.00 above" in html
    form = client_csr.get(action + "?tab=history", **HX).content.decode()
    assert 'name="tab" value="history"' in form and 'colspan="9"' in form
    assert "Reverse payment: $150.00, Cash, 01/15/2026" in form
    assert balance(water) == D("0.00")
    response = client_csr.post(
        action, {"reason": reason("KEYERR").pk, "comment": "", "tab": "history"}, **HX
    )
    assert response.status_code == 200 and response["HX-Retarget"] == "#tabs-area"
    html = response.content.decode()
    assert 'class="history-tab"' in html
    assert "Payment of $150.00 reversed (Keyed in error)." in html
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CANCELLED
    assert balance(water) == D("150.00")


def test_history_without_payments_offers_no_payment_actions(client_csr, water):
    response = client_csr.get(reverse("acp:tab", args=[water.number, "history"]), **HX)
    assert "payment-action" not in response.content.decode() and response.status_code == 200
