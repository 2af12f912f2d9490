"""Bill completion (DESIGN §2): charge FTs per segment and `bill_completed` on commit."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Bill, FinancialTransaction
from accounts.services.bills import BillError, bill_complete, bill_create
from accounts.signals import bill_completed
from accounts.tests.factories import AccountFactory, SATypeFactory, ServiceAgreementFactory


@pytest.fixture
def account_with_two_sas(db):
    account = AccountFactory()
    water = ServiceAgreementFactory(account=account, sa_type=SATypeFactory(code="WATER"))
    sewer = ServiceAgreementFactory(account=account, sa_type=SATypeFactory(code="SEWER"))
    return account, water, sewer


def test_completing_a_bill_posts_one_charge_per_segment(
    account_with_two_sas, django_capture_on_commit_callbacks
):
    account, water, sewer = account_with_two_sas
    received = []
    bill_completed.connect(
        lambda sender, bill_ids, **kw: received.extend(bill_ids),
        weak=False,
        dispatch_uid="test-bill-completed",
    )
    try:
        bill = bill_create(
            account=account,
            bill_date=dt.date(2026, 10, 1),
            due_date=dt.date(2026, 10, 22),
            segments={water: Decimal("41.10"), sewer: Decimal("30.05")},
        )
        with django_capture_on_commit_callbacks(execute=True):
            bill = bill_complete(bill=bill)
    finally:
        bill_completed.disconnect(dispatch_uid="test-bill-completed")
    assert bill.status == Bill.Status.COMPLETE
    assert bill.total == Decimal("71.15")
    fts = FinancialTransaction.objects.filter(bill=bill).order_by("sa_id")
    assert [(ft.sa_id, ft.current_amount, ft.arrears_date) for ft in fts] == [
        (water.pk, Decimal("41.10"), dt.date(2026, 10, 22)),
        (sewer.pk, Decimal("30.05"), dt.date(2026, 10, 22)),
    ]
    account.refresh_from_db()
    assert account.balance == Decimal("71.15")
    assert received == [bill.pk]


def test_a_bill_completes_only_once(account_with_two_sas):
    account, water, _ = account_with_two_sas
    bill = bill_create(
        account=account,
        bill_date=dt.date(2026, 10, 1),
        due_date=dt.date(2026, 10, 22),
        segments={water: Decimal("10.00")},
    )
    bill_complete(bill=bill)
    with pytest.raises(BillError, match="already complete"):
        bill_complete(bill=bill)
    assert FinancialTransaction.objects.filter(bill=bill).count() == 1


def test_segment_for_another_accounts_sa_is_refused(account_with_two_sas):
    account, _, _ = account_with_two_sas
    stranger = ServiceAgreementFactory()
    with pytest.raises(BillError, match="does not belong"):
        bill_create(
            account=account,
            bill_date=dt.date(2026, 10, 1),
            due_date=dt.date(2026, 10, 22),
            segments={stranger: Decimal("5.00")},
        )
    assert not Bill.objects.exists()


def test_completing_bills_in_bulk_logs_each_bills_transition(account_with_two_sas):
    from django_fsm_log.models import StateLog

    from accounts.services.bills import bills_complete

    account, water, sewer = account_with_two_sas
    bills = [
        bill_create(
            account=account,
            bill_date=dt.date(2026, 10, day),
            due_date=dt.date(2026, 10, 22),
            segments={water: Decimal("10.00"), sewer: Decimal("5.00")},
        )
        for day in (1, 2)
    ]
    assert bills_complete(bill_ids=[b.pk for b in bills]) == 2
    for bill in bills:
        bill.refresh_from_db()
        assert (bill.status, bill.total) == (Bill.Status.COMPLETE, Decimal("15.00"))
        assert bill.completed_at is not None
        logs = StateLog.objects.for_(bill)
        assert [(s.source_state, s.state, s.transition) for s in logs] == [
            ("pending", "complete", "complete")
        ]
    # a second delivery of the same ids completes and logs nothing again
    assert bills_complete(bill_ids=[b.pk for b in bills]) == 0
    assert StateLog.objects.filter(transition="complete").count() == 2
