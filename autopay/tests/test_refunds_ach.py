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
