"""The same processor transaction delivered by the webhook and by the nightly file
(`processor-csv`) at once ends as one payment (issue 11, Must show: concurrency).

Deterministic interleaving on two real connections: the main thread holds the payee
account's row lock; both deliveries start, do their unlocked look-ups (nothing posted yet)
and queue on that lock in a chosen order; the main thread then lets them go. Whichever
commits first, the other must find it: the upload job's taken check, or the webhook's
`one_event_per_external_id` violation answered with the original (200). Without the
constraint the second would post a second payment; without the webhook's duplicate handling
the webhook would fail with the violation."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account
from cis.batch import batch_run
from payments.models import Payment, PaymentEvent
from payments.processors.webhooks import webhook_receive, webhook_sign
from payments.upload.intake import upload_file_import

from .conftest import body_of

pytestmark = [pytest.mark.django_db(transaction=True)]

WAIT = 30.0


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def _until(condition) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the delivery never queued on the lock under test"
        time.sleep(0.02)


@pytest.mark.parametrize("first", ["webhook", "nightly"])
def test_webhook_and_nightly_file_at_once_make_one_payment(owing_account, first):
    account = owing_account
    day = timezone.localdate()
    csv = (
        "transaction_id,account,amount,date,method\n"
        f"PUS-1,{account.number},84.20,{day.isoformat()},VISA\n"
    ).encode()
    # The nightly file came in before the webhook's (late) delivery: staged, not posted.
    upload = upload_file_import(name="nightly.csv", data=csv, format="processor-csv")
    assert upload.status == upload.Status.STAGED
    body = body_of(account)
    outcome: dict = {}

    def webhook():
        try:
            headers = webhook_sign(processor="paymentus", body=body)
            outcome["webhook"] = webhook_receive(processor="paymentus", headers=headers, body=body)
        except Exception as exc:  # noqa: BLE001 (reported by the assertions)
            outcome["webhook"] = exc
        finally:
            connections.close_all()

    def nightly():
        try:
            outcome["nightly"] = batch_run(job_name="payment_upload", business_date=day)
        except Exception as exc:  # noqa: BLE001
            outcome["nightly"] = exc
        finally:
            connections.close_all()

    threads = {
        "webhook": threading.Thread(target=webhook),
        "nightly": threading.Thread(target=nightly),
    }
    second = "nightly" if first == "webhook" else "webhook"
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)
        threads[first].start()
        _until(lambda: _waiting_for_locks() >= 1)
        threads[second].start()
        _until(lambda: _waiting_for_locks() >= 2)
    for thread in threads.values():
        thread.join(WAIT)
        assert not thread.is_alive()

    assert not isinstance(outcome["webhook"], Exception), outcome["webhook"]
    assert not isinstance(outcome["nightly"], Exception), outcome["nightly"]
    assert outcome["webhook"].status_code == (201 if first == "webhook" else 200)
    assert PaymentEvent.objects.filter(external_id="PUS-1").count() == 1
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FROZEN
    assert outcome["webhook"].data["payment_id"] == payment.pk
    assert list(ledger_breaches()) == []


def test_two_first_deliveries_of_the_day_open_one_control(pay_ref):
    """`processor_control`: both find no control, queue on the tender source row, and the
    second finds the one the first made (without the lock each makes its own)."""
    from payments.models import TenderControl, TenderSource
    from payments.processors.webhooks import processor_control

    source = TenderSource.objects.get(code="PAYMENTUS")
    day = timezone.localdate()
    made: list = []

    def first_delivery():
        try:
            made.append(processor_control(tender_source=source, day=day).pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_delivery) for _ in range(2)]
    with transaction.atomic():
        TenderSource.objects.select_for_update(no_key=True).get(pk=source.pk)
        for n, thread in enumerate(threads, 1):
            thread.start()
            _until(lambda n=n: _waiting_for_locks() >= n)
    for thread in threads:
        thread.join(WAIT)
    assert len(made) == 2 and made[0] == made[1]
    assert TenderControl.objects.filter(tender_source=source).count() == 1
