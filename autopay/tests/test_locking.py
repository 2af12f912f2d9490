"""Two workers on the same autopay_distribute_freeze chunk (PostgreSQL, two connections):
the second skips the rows the first holds, waits for them, and then finds them frozen, so
each autopay is posted once."""

import datetime as dt
import threading
import time
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from autopay.models import Clearing
from cis.batch import batch_run_chunk, batch_start, get_job
from cis.models import BatchRun
from payments.models import PaymentEvent

from .factories import draft_enrollment

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 30.0
EXTRACT = dt.date(2026, 1, 20)


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def test_two_workers_on_one_chunk_post_each_autopay_once(account, autopay_reference):
    # given: a created autopay due today, and a run planned over it
    enrollment = draft_enrollment(account)
    clearing = Clearing.objects.create(
        enrollment=enrollment,
        account=account,
        kind=enrollment.kind,
        status=Clearing.Status.CREATED,
        amount=D("100.00"),
        extract_on=EXTRACT,
        gl_distribution_on=dt.date(2026, 1, 22),
        payment_on=EXTRACT,
    )
    run, ranges = batch_start(job_name="autopay_distribute_freeze", business_date=EXTRACT)
    (first_id, last_id), job = ranges[0], get_job("autopay_distribute_freeze")
    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    pids: dict[str, int] = {}
    errors: list[BaseException] = []

    def first_worker():  # has locked and posted the chunk, not yet committed
        try:
            with transaction.atomic():
                items = list(
                    job.select(EXTRACT)
                    .filter(pk__gte=first_id, pk__lte=last_id)
                    .select_for_update(skip_locked=True, of=("self",))
                )
                job.process(items, EXTRACT)
                holding.set()
                release.wait(WAIT)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            holding.set()
            connection.close()

    def second_worker():  # the same chunk delivered again
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids["second"] = cursor.fetchone()[0]
            holding.wait(WAIT)
            batch_run_chunk(run_id=run.pk, first_id=first_id, last_id=last_id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            done.set()
            connection.close()

    threads = [threading.Thread(target=first_worker), threading.Thread(target=second_worker)]
    for t in threads:
        t.start()
    holding.wait(WAIT)
    deadline = time.monotonic() + WAIT
    blocked = False
    while time.monotonic() < deadline and not done.is_set():
        if "second" in pids and _waits_for_a_lock(pids["second"]):
            blocked = True
            break
        time.sleep(0.05)
    release.set()
    for t in threads:
        t.join(WAIT)
    # then
    assert not errors, errors
    assert blocked, "the second worker should wait for the rows the first holds"
    assert PaymentEvent.objects.filter(external_id=f"AUTOPAY-{clearing.pk}").count() == 1
    assert Clearing.objects.get(pk=clearing.pk).status == Clearing.Status.FROZEN
    run.refresh_from_db()
    assert run.status == BatchRun.Status.COMPLETE
    assert run.done == 0  # the first worker's chunk was never recorded: it did the work
    call_command("check_ledger")


def test_two_deliveries_of_the_same_bills_at_once_draft_one_autopay(account, autopay_reference):
    """The second delivery waits for the account lock the first holds, then finds the
    bill evaluated (its check row) and drafts nothing."""
    from accounts.services.bills import bill_complete, bill_create
    from autopay.models import BillAutopayCheck
    from autopay.services.creation import bills_autopay_evaluate

    draft_enrollment(account)
    sa = account.agreements.get(sa_type__code="WATER")
    bill = bill_create(
        account=account,
        bill_date=dt.date(2026, 3, 2),
        due_date=dt.date(2026, 3, 23),
        segments={sa: D("80.00")},
    )
    bill_complete(bill=bill)
    # Committed for real here, so the receiver ran: undo its work to replay two deliveries.
    BillAutopayCheck.objects.all().delete()
    Clearing.objects.all().delete()
    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    pids: dict[str, int] = {}
    results: dict[str, object] = {}
    errors: list[BaseException] = []

    def first_delivery():
        try:
            with transaction.atomic():
                results["first"] = bills_autopay_evaluate(bill_ids=[bill.pk])
                holding.set()
                release.wait(WAIT)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            holding.set()
            connection.close()

    def second_delivery():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids["second"] = cursor.fetchone()[0]
            holding.wait(WAIT)
            results["second"] = bills_autopay_evaluate(bill_ids=[bill.pk])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            done.set()
            connection.close()

    threads = [threading.Thread(target=first_delivery), threading.Thread(target=second_delivery)]
    for t in threads:
        t.start()
    holding.wait(WAIT)
    deadline, blocked = time.monotonic() + WAIT, False
    while time.monotonic() < deadline and not done.is_set():
        if "second" in pids and _waits_for_a_lock(pids["second"]):
            blocked = True
            break
        time.sleep(0.05)
    release.set()
    for t in threads:
        t.join(WAIT)
    assert not errors, errors
    assert blocked
    assert len(results["first"].clearing_ids) == 1
    assert results["second"].clearing_ids == []
    assert Clearing.objects.filter(bill=bill).count() == 1
