"""Property tests of the ledger (DESIGN §2): for random bills and adjustments the cached
balances equal the frozen FTs, every FT balances in the GL, and aging adds up."""

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.ledger_checks import ledger_breaches
from accounts.models import FinancialTransaction, GLLine
from accounts.selectors import account_aging, account_ledger_balance
from accounts.services.adjustments import adjustment_cancel, adjustment_create
from accounts.services.bills import bill_complete, bill_create
from accounts.tests.factories import (
    AccountFactory,
    AdjustmentTypeFactory,
    SATypeFactory,
    ServiceAgreementFactory,
)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
signed = st.decimals(min_value=Decimal("-2000"), max_value=Decimal("2000"), places=2).filter(
    lambda d: d != 0
)
bill_st = st.tuples(
    st.integers(0, 720), st.integers(0, 60), st.lists(amounts, min_size=1, max_size=3)
)
AS_OF = dt.date(2026, 11, 25)


class LedgerPropertyTests(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(
        bills=st.lists(bill_st, min_size=0, max_size=6),
        adjustments=st.lists(st.tuples(st.integers(0, 2), signed, st.booleans()), max_size=5),
    )
    def test_balances_gl_and_aging_hold_for_random_activity(self, bills, adjustments):
        # given an account with three SAs
        account = AccountFactory()
        sas = [
            ServiceAgreementFactory(account=account, sa_type=SATypeFactory(code=code))
            for code in ("W", "S", "E")
        ]
        adj_type = AdjustmentTypeFactory()
        # when bills and adjustments (some cancelled) are posted
        for days_ago, due_in, seg_amounts in bills:
            bill_date = AS_OF - dt.timedelta(days=days_ago)
            bill = bill_create(
                account=account,
                bill_date=bill_date,
                due_date=bill_date + dt.timedelta(days=due_in),
                segments=dict(zip(sas, seg_amounts, strict=False)),
            )
            bill_complete(bill=bill)
        for sa_index, amount, cancel in adjustments:
            adjustment = adjustment_create(
                sa=sas[sa_index], adjustment_type=adj_type, amount=amount, accounting_date=AS_OF
            )
            if cancel:
                adjustment_cancel(adjustment=adjustment, reason="keyed in error")
        # then the cached balances equal the sum of the frozen FTs
        account.refresh_from_db()
        ledger = account_ledger_balance(account=account)
        assert account.balance == ledger
        for sa in sas:
            sa.refresh_from_db()
            assert sa.balance == (
                sa.fts.frozen().aggregate(s=Sum("current_amount"))["s"] or Decimal("0")
            )
        expected = sum((a for _, _, seg in bills for a in seg[:3]), Decimal("0")) + sum(
            (amount for _, amount, cancel in adjustments if not cancel), Decimal("0")
        )
        assert ledger == expected
        # and every FT's GL lines sum to zero
        for ft in FinancialTransaction.objects.filter(account=account):
            lines = GLLine.objects.filter(ft=ft)
            assert lines.count() == 2
            assert lines.aggregate(s=Sum("amount"))["s"] == 0
        # and the aging buckets add up to the past-due amount, never beyond the balance
        aging = account_aging(account=account, as_of=AS_OF)
        assert aging.balance == ledger
        buckets = aging.days_0_30 + aging.days_31_60 + aging.days_61_90 + aging.days_over_90
        assert buckets == aging.past_due
        assert aging.current + aging.past_due == max(ledger, Decimal("0"))
        assert list(ledger_breaches()) == []
