"""Two database connections racing on the same records: exactly one wins, the ledger stays
sound (PostgreSQL row locks in the published order)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.ledger_checks import ledger_breaches
from accounts.models import Adjustment, FinancialTransaction
from accounts.services.adjustments import adjustment_cancel, adjustment_create
from accounts.services.bills import bill_complete, bill_create
from accounts.tests.factories import AdjustmentTypeFactory, ServiceAgreementFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls at the same moment on separate connections; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def runner(index, fn):
        try:
            barrier.wait()
            outcomes[index] = ("ok", fn())
        except Exception as exc:  # the loser's error is the result under test
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_cancels_of_one_adjustment_post_one_reversal():
    sa = ServiceAgreementFactory()
    adjustment = adjustment_create(
        sa=sa, adjustment_type=AdjustmentTypeFactory(), amount=Decimal("40.00")
    )
    outcomes = race(
        lambda: adjustment_cancel(adjustment=adjustment, reason="a"),
        lambda: adjustment_cancel(adjustment=adjustment, reason="b"),
    )
    assert sorted(o[0] for o in outcomes) == ["error", "ok"]
    assert "already cancelled" in str(next(o[1] for o in outcomes if o[0] == "error"))
    assert FinancialTransaction.objects.filter(kind="adjustment_cancel").count() == 1
    assert Adjustment.objects.get(pk=adjustment.pk).status == "cancelled"
    assert list(ledger_breaches()) == []


def test_two_completions_of_one_bill_post_its_charges_once():
    sa = ServiceAgreementFactory()
    bill = bill_create(
        account=sa.account,
        bill_date=dt.date(2026, 10, 1),
        due_date=dt.date(2026, 10, 20),
        segments={sa: Decimal("55.00")},
    )
    outcomes = race(lambda: bill_complete(bill=bill), lambda: bill_complete(bill=bill))
    assert sorted(o[0] for o in outcomes) == ["error", "ok"]
    assert FinancialTransaction.objects.filter(bill=bill).count() == 1
    sa.account.refresh_from_db()
    assert sa.account.balance == Decimal("55.00")
    assert list(ledger_breaches()) == []
