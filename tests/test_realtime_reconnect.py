"""Real-time payments reconnect shut-off accounts (issue 11, seed 000 "Automate/Provision
Reconnect SO with Payments"): a processor's signed webhook, its nightly file and the ACH
hold, end to end through the real URL, the payments services, `payment_frozen` and the
service orders app."""

import datetime as dt
import json
import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from django.utils import timezone

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account
from accounts.tests.conftest import PASSWORD, make_user  # noqa: F401 - fixture
from accounts.tests.factories import AccountFactory
from cis.batch import batch_run
from payments.models import Payment, PaymentEvent
from payments.processors.webhooks import webhook_receive, webhook_sign
from payments.tests.conftest import pay_ref  # noqa: F401
from payments.tests.factories import bill, sa_add
from payments.tests.processors.conftest import deliver
from payments.upload.intake import upload_file_import
from serviceorders.models import ReconnectDecision, ReconnectOptions, ServiceOrder
from serviceorders.reference import reference_data_load
from serviceorders.services.orders import service_order_complete
from serviceorders.tests.builders import shut_off

pytestmark = pytest.mark.django_db


@pytest.fixture
def disconnected(pay_ref):  # noqa: F811
    """Account 159 (the seed's example) owes 84.20 of water, all past due, and was shut
    off by a disconnect for non-pay whose tier status is eligible for auto-reconnects."""
    reference_data_load()
    account = AccountFactory(number="159")
    water = sa_add(account, "WATER")
    bill(account, {water: "84.20"}, bill_date=dt.date(2026, 1, 1))
    shut_off(account, "DISCONNECTED")
    account.refresh_from_db()
    assert account.service_status == Account.ServiceStatus.SHUT_OFF
    return account


def notification(account, *, txn="PUS-159", amount="84.20", method="card", day=None) -> bytes:
    return json.dumps(
        {
            "transaction_id": txn,
            "account": account.number,
            "amount": amount,
            "payment_date": (day or timezone.localdate()).isoformat(),
            "method": method,
            "payer_name": "Pat Doe",
        }
    ).encode()


def reconnects(account):
    return ServiceOrder.objects.filter(account=account, kind="reconnect")


def test_seed_example_account_159_pays_on_paymentus_and_is_reconnected(
    disconnected, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = deliver(notification(disconnected))
    assert answer.status_code == 201, answer.content
    payment = Payment.objects.get(pk=answer.json()["payment_id"])
    assert payment.status == Payment.Status.FROZEN and payment.account == disconnected
    (order,) = reconnects(disconnected)
    options = ReconnectOptions.load()
    assert order.status == ServiceOrder.Status.OPEN
    assert order.order_class == options.reconnect_class
    assert order.effective_date == payment.event.payment_date
    assert order.source_payment == payment
    decision = ReconnectDecision.objects.get(payment=payment)
    assert decision.reason == ReconnectDecision.Reason.RECONNECTED and decision.order == order

    # the crew completes the order in the morning: the account is connected again
    service_order_complete(order=order)
    disconnected.refresh_from_db()
    assert disconnected.service_status == Account.ServiceStatus.CONNECTED
    assert disconnected.balance == D("0.00")
    assert list(ledger_breaches()) == []


def test_the_same_webhook_three_times_is_one_payment_and_one_order(
    disconnected, django_capture_on_commit_callbacks
):
    body = notification(disconnected)
    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(body)
    with django_capture_on_commit_callbacks(execute=True):
        again = [deliver(body), deliver(body)]
    assert first.status_code == 201
    assert [a.status_code for a in again] == [200, 200]
    assert {a.json()["payment_id"] for a in again} == {first.json()["payment_id"]}
    assert Payment.objects.filter(account=disconnected).count() == 1
    assert reconnects(disconnected).count() == 1
    assert list(ledger_breaches()) == []


def test_not_eligible_tier_status_posts_the_payment_and_orders_nothing(
    pay_ref,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    reference_data_load()
    account = AccountFactory(number="160")
    bill(account, {sa_add(account, "WATER"): "50.00"}, bill_date=dt.date(2026, 1, 1))
    shut_off(account, "FIELD")  # a meter pulled: the field crew decides, not a payment
    with django_capture_on_commit_callbacks(execute=True):
        answer = deliver(notification(account, amount="50.00"))
    assert answer.status_code == 201
    assert Payment.objects.get(pk=answer.json()["payment_id"]).status == Payment.Status.FROZEN
    assert not reconnects(account).exists()
    decision = ReconnectDecision.objects.get(account=account)
    assert decision.reason == ReconnectDecision.Reason.TIER_NOT_ELIGIBLE


def test_partial_payment_below_the_past_due_orders_nothing(
    disconnected, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = deliver(notification(disconnected, amount="40.00"))
    assert answer.status_code == 201
    assert not reconnects(disconnected).exists()
    decision = ReconnectDecision.objects.get(account=disconnected)
    assert decision.reason == ReconnectDecision.Reason.RULE_NOT_MET
    # the rest of the past due, paid the next minute, reconnects
    with django_capture_on_commit_callbacks(execute=True):
        deliver(notification(disconnected, txn="PUS-160", amount="44.20"))
    assert reconnects(disconnected).count() == 1


def test_an_echeck_is_held_and_reconnects_only_once_the_hold_has_passed(
    disconnected, django_capture_on_commit_callbacks
):
    options = ReconnectOptions.load()
    options.ach_hold_days = 3
    options.save()
    day = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        answer = deliver(notification(disconnected, method="ach", day=day))
    assert answer.status_code == 201
    assert not reconnects(disconnected).exists()
    decision = ReconnectDecision.objects.get(account=disconnected)
    assert decision.reason == ReconnectDecision.Reason.HELD

    # the nightly job before the hold has passed: still nothing
    batch_run(job_name="reconnect_held_payments", business_date=day + dt.timedelta(days=2))
    assert not reconnects(disconnected).exists()
    # on the day the hold ends
    run = batch_run(job_name="reconnect_held_payments", business_date=day + dt.timedelta(days=3))
    assert run.status == "complete", run.errors
    (order,) = reconnects(disconnected)
    assert order.effective_date == day


def _nightly_file(account, txn: str, amount: str, day: dt.date) -> bytes:
    return (
        "transaction_id,account,amount,date,method\n"
        f"{txn},{account.number},{amount},{day.isoformat()},VISA\n"
    ).encode()


def test_the_nightly_file_after_the_webhook_posts_nothing_and_reconnects_nothing_twice(
    disconnected, django_capture_on_commit_callbacks
):
    day = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(notification(disconnected, day=day))
    assert reconnects(disconnected).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        upload_file_import(
            name="paymentus.csv",
            data=_nightly_file(disconnected, "PUS-159", "84.20", day),
            format="processor-csv",
        )
        for job in ("payment_upload", "payment_upload_todo"):
            batch_run(job_name=job, business_date=day)
    assert Payment.objects.filter(account=disconnected).count() == 1
    assert reconnects(disconnected).count() == 1
    assert list(ledger_breaches()) == []


def test_a_payment_only_in_the_nightly_file_reconnects(
    disconnected, django_capture_on_commit_callbacks
):
    """Seed 000: a payment the real-time path missed, applied from the nightly file."""
    day = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        upload_file_import(
            name="paymentus.csv",
            data=_nightly_file(disconnected, "PUS-777", "84.20", day),
            format="processor-csv",
        )
        run = batch_run(job_name="payment_upload", business_date=day)
    assert run.status == "complete", run.errors
    assert Payment.objects.filter(account=disconnected, status="frozen").count() == 1
    (order,) = reconnects(disconnected)
    assert order.origin == ServiceOrder.Origin.PAYMENT


@pytest.mark.django_db(transaction=True)
def test_webhook_and_nightly_file_at_once_are_one_payment_and_one_reconnect(pay_ref):  # noqa: F811
    """Two real connections: the processor's webhook and the nightly file carry the same
    transaction at the same moment."""
    reference_data_load()
    account = AccountFactory(number="159")
    bill(account, {sa_add(account, "WATER"): "84.20"}, bill_date=dt.date(2026, 1, 1))
    shut_off(account, "DISCONNECTED")
    day = timezone.localdate()
    body = notification(account, day=day)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def by_webhook():
        try:
            start.wait()
            headers = webhook_sign(processor="paymentus", body=body)
            result = webhook_receive(processor="paymentus", headers=headers, body=body)
            assert result.status_code in (200, 201), result.data
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)
        finally:
            connection.close()

    def by_file():
        try:
            upload_file_import(
                name="paymentus.csv",
                data=_nightly_file(account, "PUS-159", "84.20", day),
                format="processor-csv",
            )
            start.wait()
            batch_run(job_name="payment_upload", business_date=day)
        except BaseException as err:  # noqa: BLE001
            failures.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=by_webhook), threading.Thread(target=by_file)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    assert PaymentEvent.objects.filter(external_id="PUS-159").count() == 1
    assert Payment.objects.filter(account=account, status="frozen").count() == 1
    assert reconnects(account).count() == 1
    assert list(ledger_breaches()) == []


def test_why_an_account_was_or_was_not_reconnected_shows_on_the_account_and_the_daily_report(
    disconnected,
    client,
    make_user,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(notification(disconnected, amount="40.00"))  # below the past due
    with django_capture_on_commit_callbacks(execute=True):
        deliver(notification(disconnected, txn="PUS-160", amount="44.20"))
    partial, full = ReconnectDecision.objects.filter(account=disconnected).order_by("pk")
    order = reconnects(disconnected).get()
    user = make_user("CSR")
    client.login(username=user.username, password=PASSWORD)

    tab = client.get(f"/acp/{disconnected.number}/?tab=serviceorders")
    assert tab.status_code == 200
    page = tab.content.decode()
    assert f'data-decision="{partial.pk}"' in page and f'data-decision="{full.pk}"' in page
    assert partial.reason_text in page and order.number in page

    report = client.get("/acp/serviceorders/reconnects/", {"date": timezone.localdate()})
    assert report.status_code == 200
    assert disconnected.number in report.content.decode()
    csv_rows = (
        client.get(
            "/acp/serviceorders/reconnects/", {"date": timezone.localdate(), "format": "csv"}
        )
        .content.decode()
        .splitlines()
    )
    assert csv_rows[0].startswith("decided_at,account,payment")
    assert [r.split(",")[4] for r in csv_rows[1:]] == ["no", "yes"]
    assert csv_rows[2].split(",")[8] == order.number
    assert client.get("/acp/serviceorders/reconnects/", {"date": "13/40"}).status_code == 400


def test_the_reconnect_orders_history_says_which_payment_made_it_and_why(
    disconnected,
    client,
    make_user,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = deliver(notification(disconnected))
    order = reconnects(disconnected).get()
    user = make_user("CSR")
    client.login(username=user.username, password=PASSWORD)
    page = client.get(f"/acp/{disconnected.number}/serviceorders/{order.pk}/history/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-why="{order.number}"' in text
    assert f"payment #{answer.json()['payment_id']}" in text
