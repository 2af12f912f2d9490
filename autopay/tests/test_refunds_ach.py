"""ACH refunds (issue 13 item 2): approved ACH refunds go out in a NACHA PPD credit file
that our own reader parses, with the right codes, totals and entry hash, once."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.ledger_checks import ledger_breaches
from accounts.models import AdjustmentType, Refund, SAType
from accounts.services.adjustments import adjustment_create
from accounts.services.refunds import refund_approve, refund_request
from accounts.tests.factories import ServiceAgreementFactory
from autopay.jobs.refunds import REFUNDS_JOB
from autopay.nacha import nacha_file_read
from cis.batch.runner import batch_run

D = Decimal


@pytest.fixture
def outbox(settings, tmp_path):
    settings.OPENCIS_ACH_OUTBOX = tmp_path / "outbox" / "ach"
    return settings.OPENCIS_ACH_OUTBOX


def _ach_refund(account, amount, user, approver, *, routing, number, kind="checking"):
    excess = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="EXCESS"))
    adjustment_create(
        sa=excess, adjustment_type=AdjustmentType.objects.get(code="CREDIT"), amount=-D(amount)
    )
    refund = refund_request(
        account=account,
        amount=D(amount),
        method="ach",
        reason="Overpaid",
        user=user,
        routing_number=routing,
        bank_account_number=number,
        bank_account_type=kind,
    )
    return refund_approve(refund=refund, user=approver)


@pytest.mark.django_db(transaction=True)
def test_ach_refunds_go_out_once_in_a_ppd_credit_file(autopay_reference, outbox, make_user):
    from accounts.tests.factories import AccountFactory

    csr, boss = make_user("CSR"), make_user("Supervisor")
    one = _ach_refund(AccountFactory(), "25.50", csr, boss, routing="011000015", number="123456789")
    two = _ach_refund(
        AccountFactory(),
        "100.00",
        csr,
        boss,
        routing="091000019",
        number="987654321",
        kind="savings",
    )
    day = dt.date(2026, 3, 6)  # a Friday: effective the Monday after
    run = batch_run(job_name=REFUNDS_JOB, business_date=day)
    assert run.done == 2
    files = list(outbox.glob("*.ach"))
    assert [f.name for f in files] == ["ACHREFUND_20260306_MAIN_9.ach"]
    ach = nacha_file_read(files[0].read_bytes())
    (batch,) = ach.batches
    assert batch.service_class == 220
    assert batch.sec_code == "PPD"
    assert batch.entry_description == "REFUND"
    assert batch.effective_date == dt.date(2026, 3, 9)
    codes = [(e.transaction_code, e.amount_cents, e.account_number) for e in batch.entries]
    assert codes == [(22, 2550, "123456789"), (32, 10000, "987654321")]
    assert (ach.total_credit_cents, ach.total_debit_cents) == (12550, 0)
    assert ach.entry_hash == 1100001 + 9100001
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == (Refund.Status.PAID, Refund.Status.PAID)
    assert one.paid_file == files[0].name
    assert [one.ach_trace_number, two.ach_trace_number] == [e.trace_number for e in batch.entries]
    # a re-run writes nothing more and pays nothing twice
    again = batch_run(job_name=REFUNDS_JOB, business_date=day, force=True)
    assert again.total == 0
    assert len(list(outbox.glob("*.ach"))) == 1
    assert list(ledger_breaches()) == []


@pytest.mark.django_db
def test_the_nightly_chain_pays_refunds_right_after_the_draft_extract():
    import json

    from django_celery_beat.models import PeriodicTask

    jobs = json.loads(PeriodicTask.objects.get(name="OpenCIS nightly batch").kwargs)["jobs"]
    at = jobs.index("autopay_extract_ach")
    assert jobs[at + 1 : at + 3] == ["refund_check_register", "autopay_refunds_ach"]


@pytest.mark.django_db(transaction=True)
def test_the_nightly_batch_pays_approved_refunds_by_check_and_ach(
    autopay_reference, outbox, settings, tmp_path, make_user
):
    """Refunds a Supervisor approved are paid the same night by the chain's two refund
    jobs: the check register and the ACH credit file."""
    from accounts.tests.factories import AccountFactory
    from cis.tasks import nightly_batch_task

    settings.OPENCIS_CHECK_OUTBOX = tmp_path / "outbox" / "checks"
    csr, boss = make_user("CSR"), make_user("Supervisor")
    by_ach = _ach_refund(AccountFactory(), "40.00", csr, boss, routing="011000015", number="55501")
    account = AccountFactory()
    excess = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="EXCESS"))
    adjustment_create(
        sa=excess, adjustment_type=AdjustmentType.objects.get(code="CREDIT"), amount=D("-12.34")
    )
    by_check = refund_approve(
        refund=refund_request(
            account=account, amount=D("12.34"), method="check", reason="Moved", user=csr
        ),
        user=boss,
    )
    nightly_batch_task(
        jobs=["refund_check_register", "autopay_refunds_ach"], business_date="2026-03-06"
    )
    by_ach.refresh_from_db()
    by_check.refresh_from_db()
    assert (by_ach.status, by_check.status) == (Refund.Status.PAID, Refund.Status.PAID)
    (register,) = settings.OPENCIS_CHECK_OUTBOX.glob("CHECKS_*.csv")
    assert "12.34" in register.read_text() and account.number in register.read_text()
    (credit_file,) = outbox.glob("ACHREFUND_*.ach")
    assert nacha_file_read(credit_file.read_bytes()).total_credit_cents == 4000
    assert list(ledger_breaches()) == []
