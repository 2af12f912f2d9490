"""The upload chain: staging -> payments (seed 003 steps 6.0-8.6)."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command

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
from payments.tests.factories import bill, pay, sa_add

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
