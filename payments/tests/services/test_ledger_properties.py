"""Property tests with the database: for random bills, payments (every algorithm), cancels
and NSF returns, balances after freeze and after cancel match the ledger, open debts match
the balances, and `check_ledger` stays clean (DESIGN §2, seed 003 steps 3.1, 4.0, 4.2)."""

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.ledger_checks import ledger_breaches
from accounts.models import Adjustment, FinancialTransaction
from accounts.tests.factories import AccountFactory
from payments.models import DistributionRule, Payment
from payments.reference import reference_data_load
from payments.selectors import sa_open_debts
from payments.services.cancel import payment_cancel, tender_cancel
from payments.tests.factories import bill, pay, reason, sa_add

START = dt.date(2026, 1, 1)
ZERO = Decimal("0.00")
amounts = st.integers(min_value=1, max_value=20_000).map(lambda c: Decimal(c) / 100)


class PaymentLedgerPropertyTests(TestCase):
    @settings(max_examples=30, deadline=None)
    @given(
        codes=st.lists(
            st.sampled_from(["WATER", "SEWER", "ELEC", "TRASH"]),
            min_size=1,
            max_size=4,
            unique=True,
        ),
        bills=st.lists(
            st.tuples(st.integers(0, 90), st.lists(amounts, min_size=4, max_size=4)), max_size=3
        ),
        payments=st.lists(
            st.tuples(
                st.integers(30, 120),
                amounts,
                st.sampled_from(["PRIORITY", "DUEDATE", "DELINQ"]),
                st.sampled_from(["keep", "cancel", "nsf"]),
            ),
            min_size=1,
            max_size=4,
        ),
    )
    def test_balances_follow_freeze_and_cancel(self, codes, bills, payments):
        reference_data_load()
        account = AccountFactory()
        sas = [sa_add(account, code) for code in codes]
        billed = ZERO
        for days, seg in sorted(bills):
            bill(account, dict(zip(sas, seg, strict=False)), bill_date=START + dt.timedelta(days))
            billed += sum(seg[: len(sas)], ZERO)
        made = []
        for days, amount, rule, fate in sorted(payments, key=lambda p: p[0]):
            payment = pay(
                account,
                amount,
                day=START + dt.timedelta(days),
                # NSF reasons apply to checks, not cash
                tender="CHECK" if fate == "nsf" else "CASH",
                distribution_rule=DistributionRule.objects.get(code=rule),
            )
            assert payment.status == Payment.Status.FROZEN
            made.append((payment, fate))
            self.assert_ledger_matches(account)
        for payment, fate in made:
            if fate == "cancel":
                payment_cancel(payment=payment, reason=reason("KEYERR"))
            elif fate == "nsf":
                tender_cancel(tender=payment.event.tenders.get(), reason=reason("NSF"))
            self.assert_ledger_matches(account)
        # the ledger is what was billed, less live payments, plus NSF charges
        live = sum((p.amount for p, fate in made if fate == "keep"), ZERO)
        fees = Adjustment.objects.aggregate(s=Sum("amount"))["s"] or ZERO
        account.refresh_from_db()
        assert account.balance == billed - live + fees
        assert list(ledger_breaches()) == []

    def assert_ledger_matches(self, account):
        account.refresh_from_db()
        fts = FinancialTransaction.objects.filter(account=account, is_frozen=True)
        assert account.balance == (fts.aggregate(s=Sum("current_amount"))["s"] or ZERO)
        for sa in account.agreements.all():
            assert sa.balance == (fts.filter(sa=sa).aggregate(s=Sum("current_amount"))["s"] or ZERO)
        # the open debts distribution reads add up to what each SA owes
        today = sa_open_debts(
            sa_ids=[sa.pk for sa in account.agreements.all()], as_of=dt.date(2027, 1, 1)
        )
        for sa in account.agreements.all():
            assert sum(today.get(sa.pk, {}).values(), ZERO) == max(sa.balance, ZERO)
