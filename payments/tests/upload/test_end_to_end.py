"""Payment upload end to end (issue 9, "Must show"): a BAI2 file, a lockbox file, a CSV file
and a processor's nightly file are imported as the inbox job imports them, then the nightly
upload chain posts them. Every line ends as exactly one payment or one visible exception."""

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django_fsm_log.models import StateLog

from accounts.ledger_checks import ledger_breaches
from accounts.models import ToDoEntry
from accounts.tests.factories import AccountFactory
from cis.batch import batch_run
from payments.models import (
    ControlStatus,
    DepositControl,
    Payment,
    PaymentEvent,
    PaymentStaging,
    StagingStatus,
    TenderControl,
    TenderSource,
    UploadException,
    UploadFile,
)
from payments.services.events import PaymentIn, TenderIn, payment_event_create
from payments.tests.factories import bill, sa_add, tender_type
from payments.upload.intake import DEFAULT_TENDER_SOURCES, upload_file_import

pytestmark = pytest.mark.usefixtures("pay_ref")

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
DAY = dt.date(2026, 12, 1)


@pytest.fixture
def ours():
    """The accounts the sample files pay (each owes 300.00 of water), and suspense."""
    accounts = {}
    for number in ("1000000001", "1000000002", "1000000003"):
        account = AccountFactory(number=number)
        bill(account, {sa_add(account, "WATER"): 300}, bill_date=dt.date(2026, 11, 1))
        accounts[number] = account
    suspense = AccountFactory(number="1999999999", is_suspense=True)
    sa_add(suspense, "EXCESS")
    accounts["suspense"] = suspense
    return accounts


def paid(account) -> D:
    frozen = Payment.objects.filter(account=account, status=Payment.Status.FROZEN)
    return sum((p.amount for p in frozen), D("0.00"))


def nightly(day=DAY):
    for job in ("payment_upload", "payment_upload_todo"):
        run = batch_run(job_name=job, business_date=day)
        assert run.status == "complete", (job, run.errors)


CSV = (
    "account,amount,date,accounting_date,check_number,payer_name,payee_accounts\n"
    "1000000001,10.00,2026-11-30,,5001,ANA RUIZ,\n"  # good
    "1000000002,1O.00,2026-11-30,,5002,BO CHEN,\n"  # bad amount (letter O)
    "1000000003,7.00,2026-11-30,2026-12-20,5003,CY DOE,\n"  # accounting date in the future
    "1000000003,60.00,2026-11-30,,5004,CY DOE,1000000001:20.00;1000000002:30.00\n"  # pay advice
    "4444444444,5.00,2026-11-30,,5005,NO ONE,\n"  # unknown account -> suspense
)


def test_bank_and_processor_files_become_payments_or_exceptions(ours):
    """Four files, one of each format, with good lines, an unknown account, an unreadable
    amount, a future accounting date, a multi-account line and a processor transaction that
    was already posted in real time. After import and the nightly upload: each good line is
    one frozen payment on its account, the unknown ones wait in suspense with the file's
    reference, the bad amount is an exception with one To Do entry, the future-dated line
    waits, every control balanced to the file's totals, and the ledger holds."""
    # given: the processor's first transaction was paid through the webhook tonight
    processor = TenderSource.objects.get(code=DEFAULT_TENDER_SOURCES["processor-csv"])
    payment_event_create(
        tender_source=processor,
        payment_date=dt.date(2026, 11, 30),
        tenders=[TenderIn(tender_type=tender_type("CARD"), amount=D("42.10"), last4="4242")],
        payments=[PaymentIn(account=ours["1000000001"], amount=D("42.10"))],
        external_id="PMT-000101",
    )
    files = [
        (
            "opencis-lockbox-detail.bai2",
            (DATA / "bai2/opencis-lockbox-detail.bai2").read_bytes(),
            "bai2",
        ),
        (
            "opencis-two-batches.bai",
            (DATA / "lockbox/opencis-two-batches.bai").read_bytes(),
            "lockbox",
        ),
        ("remittance.csv", CSV.encode(), "csv"),
        ("paymentus.csv", (DATA / "processor/paymentus-nightly.csv").read_bytes(), "processor-csv"),
    ]
    # when
    for name, data, fmt in files:
        upload = upload_file_import(name=name, data=data, format=fmt, channel="inbox")
        assert upload.status == UploadFile.Status.STAGED, upload.rejection_reason
    nightly()
    # then: the good lines are frozen payments on their accounts
    #   1000000001: BAI2 125.00 + lockbox 125.00 + CSV 10.00 + advice 20.00 + real time 42.10
    #   1000000002: BAI2 80.50 + lockbox 80.50 + advice 30.00 + processor 99.99
    #   1000000003: CSV rest of the advice line 10.00 + processor 15.00 (7.00 waits)
    assert paid(ours["1000000001"]) == D("322.10")
    assert paid(ours["1000000002"]) == D("290.99")
    assert paid(ours["1000000003"]) == D("25.00")
    # the processor's already-posted transaction was not posted twice
    assert PaymentEvent.objects.filter(external_id="PMT-000101").count() == 1
    dup = PaymentStaging.objects.get(external_id="PMT-000101")
    assert dup.already_posted and dup.payment_id is None
    # unknown accounts: BAI2 50.00, lockbox 50.00, CSV 5.00 in suspense, references kept
    suspended = PaymentStaging.objects.filter(to_suspense=True)
    assert sorted(s.account_reference for s in suspended) == [
        "4444444444",
        "UNKNOWN42",
        "UNKNOWN42",
    ]
    assert paid(ours["suspense"]) == D("105.00")
    # the unreadable amount: an exception with its line, one To Do, nothing posted
    bad = PaymentStaging.objects.get(status=StagingStatus.ERROR)
    assert bad.line_number == 3 and bad.payment_id is None
    exception = UploadException.objects.get(payment_staging=bad)
    assert "line 3" in exception.message
    assert ToDoEntry.objects.filter(source__endswith=f":{bad.pk}").count() == 1
    # the future accounting date waits, pending, until its day
    future = PaymentStaging.objects.get(check_number="5003")
    assert future.status == StagingStatus.PENDING and future.payment_id is None
    # controls balanced to what the files declared
    for control in TenderControl.objects.filter(tender_source__in=[processor]):
        assert control.status == ControlStatus.BALANCED
    lockbox_file = UploadFile.objects.get(name="opencis-two-batches.bai")
    assert lockbox_file.total == D("255.50")
    deposit = lockbox_file.deposits.get().deposit_control
    assert deposit.status == ControlStatus.BALANCED
    assert sum(t.expected_total for t in deposit.tender_controls.all()) == D("255.50")
    assert DepositControl.objects.filter(status=ControlStatus.BALANCED).count() >= 3
    # every posted line's completion is in its transition log, as a CSR's history shows it
    posted = PaymentStaging.objects.filter(payment__isnull=False, status=StagingStatus.COMPLETE)
    logged = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(PaymentStaging), transition="complete"
    ).values_list("object_id", flat=True)
    assert posted.exists() and set(posted.values_list("pk", flat=True)) <= {int(i) for i in logged}
    assert list(ledger_breaches()) == []

    # when the To Do job runs again the same night: no second entry
    batch_run(job_name="payment_upload_todo", business_date=DAY, force=True)
    assert ToDoEntry.objects.filter(source__endswith=f":{bad.pk}").count() == 1
    # and on the future line's day it posts
    nightly(dt.date(2026, 12, 20))
    future.refresh_from_db()
    assert future.status == StagingStatus.COMPLETE
    assert paid(ours["1000000003"]) == D("32.00")
    assert list(ledger_breaches()) == []
