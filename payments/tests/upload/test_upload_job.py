"""The upload chain: staging -> payments (seed 003 steps 6.0-8.6)."""

import datetime as dt
import io
import json
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account, ToDoEntry
from accounts.tests.factories import AccountFactory
from cis.batch import batch_run
from cis.models import BatchRun
from payments.models import (
    ControlStatus,
    DepositControl,
    Payment,
    PaymentEvent,
    PaymentStaging,
    StagingStatus,
    TenderControl,
    UploadException,
    UploadFile,
)
from payments.services.events import DistributionMode
from payments.signals import payment_frozen
from payments.tests.factories import bill, captured, pay, sa_add

from .staging import DAY, upload

pytestmark = pytest.mark.usefixtures("pay_ref")


def billed(amount=25):
    account = AccountFactory()
    water = sa_add(account, "WATER")
    bill(account, {water: amount})
    return account


@pytest.fixture
def suspense():
    account = AccountFactory(is_suspense=True)
    sa_add(account, "EXCESS")
    return account


def run(job="payment_upload", day=DAY):
    return batch_run(job_name=job, business_date=day)


def total_paid(account):
    return sum((p.amount for p in Payment.objects.filter(account=account, status="frozen")), D(0))


def test_upload_posts_balances_controls_and_completes(suspense):
    a, b, c = billed(), billed(), billed()
    f = upload(
        [
            {"account_reference": a.number, "amount": "25.00", "external_id": "T1"},
            {"account_reference": "NOPE-1", "amount": "7.50"},
            {"account_reference": b.number, "amount": "30.00", "advices": [(c.number, "10.00")]},
        ],
        expected_count=3,
        expected_total=D("62.50"),
        tender_count=3,
        tender_total=D("62.50"),
    )
    result = run()
    assert result.status == BatchRun.Status.COMPLETE and result.done == 3
    assert total_paid(a) == D("25.00")
    assert total_paid(b) == D("20.00") and total_paid(c) == D("10.00")
    lost = PaymentStaging.objects.get(account_reference="NOPE-1")
    assert lost.to_suspense and lost.account == suspense and lost.payment.account == suspense
    assert PaymentStaging.objects.filter(status=StagingStatus.COMPLETE).count() == 3
    f.refresh_from_db()
    assert f.status == UploadFile.Status.COMPLETE
    assert TenderControl.objects.get().status == ControlStatus.BALANCED
    deposit = DepositControl.objects.get()
    assert deposit.status == ControlStatus.BALANCED and deposit.expected_total == D("62.50")
    assert not list(ledger_breaches())
    call_command("check_ledger", stdout=io.StringIO())
    # A re-run (even forced, on a fresh run of the day) posts nothing twice.
    BatchRun.objects.all().delete()
    run()
    assert Payment.objects.count() == 4 and PaymentEvent.objects.count() == 4


def test_totals_mismatch_is_an_error_with_its_exception():
    a = billed()
    upload([{"account_reference": a.number, "amount": "25.00"}], expected_total=D("99.00"))
    run()
    exc = UploadException.objects.get()
    assert exc.reason == "totals" and "99.00" in exc.message and "25.00" in exc.message
    assert exc.deposit_staging.status == StagingStatus.ERROR
    assert not Payment.objects.exists()


def test_tender_totals_mismatch_is_an_error():
    a = billed()
    upload([{"account_reference": a.number, "amount": "25.00"}], tender_count=2)
    run()
    exc = UploadException.objects.get()
    assert exc.tender_staging.status == StagingStatus.ERROR and "2 payments" in exc.message
    assert not Payment.objects.exists()


def test_future_accounting_date_stays_pending_until_its_day():
    a = billed()
    later = DAY + dt.timedelta(days=3)
    upload(
        [
            {"account_reference": a.number, "amount": "25.00", "accounting_date": later},
            {"account_reference": a.number, "amount": "5.00"},
        ]
    )
    run()
    waiting = PaymentStaging.objects.get(accounting_date=later)
    assert waiting.status == StagingStatus.PENDING and Payment.objects.count() == 1
    run(day=later)
    waiting.refresh_from_db()
    assert waiting.status == StagingStatus.COMPLETE and Payment.objects.count() == 2
    assert UploadFile.objects.get().status == UploadFile.Status.COMPLETE
    assert not list(ledger_breaches())


def test_bad_amount_is_an_error_and_its_todo_is_made_once():
    a = billed()
    upload(
        [
            {"account_reference": a.number, "amount": None, "amount_text": "12,x"},
            {"account_reference": a.number, "amount": "25.00"},
        ]
    )
    run()
    bad = PaymentStaging.objects.get(amount__isnull=True)
    assert bad.status == StagingStatus.ERROR
    assert UploadException.objects.get().reason == "bad_amount"
    assert Payment.objects.count() == 1
    run("payment_upload_todo")
    BatchRun.objects.all().delete()
    run("payment_upload_todo")
    todo = ToDoEntry.objects.get()
    assert todo.source == f"payments.PaymentStaging:{bad.pk}"


def test_unknown_account_without_suspense_is_an_error():
    upload([{"account_reference": "NOPE-2", "amount": "5.00"}])
    run()
    assert UploadException.objects.get().reason == "no_suspense"
    assert not Payment.objects.exists()


def test_retry_errors_freezes_payments_once_their_account_has_an_active_sa():
    bare = AccountFactory()
    water = sa_add(bare, "WATER", status="stopped")
    payment = pay(bare, "5.00", mode=DistributionMode.DO_NOT_DISTRIBUTE)
    # As a distribution that found nothing to pay leaves it (seed 003 step 7.1).
    Payment.objects.filter(pk=payment.pk).update(
        status=Payment.Status.ERROR, error_message="no active SA"
    )
    run("payment_retry_errors")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.ERROR  # nothing active to pay yet
    water.status = "active"
    water.save(update_fields=["status"])
    BatchRun.objects.all().delete()
    run("payment_retry_errors")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FROZEN
    assert not list(ledger_breaches())


def test_purge_deletes_old_complete_staging_only(settings):
    a = billed()
    upload([{"account_reference": a.number, "amount": "25.00"}])
    upload([{"account_reference": a.number, "amount": None}])
    run()
    PaymentStaging.objects.update(updated_at=None)
    from payments.models import DepositStaging

    DepositStaging.objects.filter(status="complete").update(
        updated_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    )
    run("payment_staging_purge", day=DAY + dt.timedelta(days=89))
    assert PaymentStaging.objects.count() == 2
    run("payment_staging_purge", day=DAY + dt.timedelta(days=120))
    assert PaymentStaging.objects.count() == 1
    assert PaymentStaging.objects.get().status == StagingStatus.ERROR
    assert Payment.objects.count() == 1 and Account.objects.filter(pk=a.pk).exists()


def test_payment_frozen_is_sent_after_commit_for_each_uploaded_payment(
    django_capture_on_commit_callbacks,
):
    a, b = billed(), billed()
    upload(
        [
            {"account_reference": a.number, "amount": "25.00"},
            {"account_reference": b.number, "amount": "10.00"},
        ]
    )
    with captured(payment_frozen) as sent:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            run()
        assert not sent  # nothing announced before the commit
        for callback in callbacks:
            callback()
    announced = [pk for s in sent for pk in s["payment_ids"]]
    assert sorted(announced) == sorted(Payment.objects.values_list("pk", flat=True))


def test_crash_mid_chunk_posts_nothing_and_the_rerun_posts_each_line_once(monkeypatch):
    a, b = billed(), billed()
    upload([{"account_reference": a.number, "amount": "25.00"}])
    upload([{"account_reference": b.number, "amount": "10.00"}])
    from payments.upload import job

    real_close = job._close

    def crash(*args):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(job, "_close", crash)
    failed = run()
    assert failed.status == BatchRun.Status.FAILED and "worker killed" in failed.errors[0]
    assert not Payment.objects.exists() and not DepositControl.objects.exists()
    assert PaymentStaging.objects.filter(status=StagingStatus.PENDING).count() == 2
    monkeypatch.setattr(job, "_close", real_close)
    again = run()
    assert again.status == BatchRun.Status.COMPLETE and again.attempts == 2
    assert total_paid(a) == D("25.00") and total_paid(b) == D("10.00")
    assert Payment.objects.count() == 2
    assert not list(ledger_breaches())


def test_a_csr_fix_posts_on_a_forced_same_day_run_and_nothing_twice():
    a = billed()
    upload(
        [
            {"account_reference": a.number, "amount": None, "amount_text": "2S.00"},
            {"account_reference": a.number, "amount": "5.00"},
        ]
    )
    call_command("runbatch", "payment_upload", "--date", DAY.isoformat(), stdout=io.StringIO())
    bad = PaymentStaging.objects.get(status=StagingStatus.ERROR)
    bad.amount = D("25.00")
    bad.retry()
    bad.save()
    UploadException.objects.update(resolved_at=timezone.now())
    # Without --force the complete run of the day stays as it is.
    call_command("runbatch", "payment_upload", "--date", DAY.isoformat(), stdout=io.StringIO())
    assert Payment.objects.count() == 1
    call_command(
        "runbatch", "payment_upload", "--date", DAY.isoformat(), "--force", stdout=io.StringIO()
    )
    assert Payment.objects.count() == 2 and total_paid(a) == D("30.00")
    assert BatchRun.objects.get(job="payment_upload").attempts == 2
    assert UploadFile.objects.get().status == UploadFile.Status.COMPLETE
    assert DepositControl.objects.get().status == ControlStatus.BALANCED
    assert not list(ledger_breaches())


def test_the_nightly_chain_runs_the_upload_jobs_in_order():
    from django_celery_beat.models import PeriodicTask

    jobs = json.loads(PeriodicTask.objects.get(name="OpenCIS nightly batch").kwargs)["jobs"]
    chain = [j for j in jobs if j.startswith("payment_")]
    assert chain == [
        "payment_files_import",
        "payment_upload",
        "payment_upload_todo",
        "payment_retry_errors",
        "payment_staging_purge",
    ]
    assert jobs.index("complete_bills") < jobs.index("payment_upload")


def test_the_chain_skips_a_job_that_is_not_registered(monkeypatch):
    from cis import tasks

    started = []
    monkeypatch.setattr(tasks.batch_run_task, "delay", lambda *a, **k: started.append(a))
    assert tasks.batch_run_task("no_such_job", DAY.isoformat(), ["payment_upload"]) == 0
    assert started == [("payment_upload", DAY.isoformat(), [])]
