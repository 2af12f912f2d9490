"""Hypothesis (issue 13 "Must show"): random write-offs, payments and cancels never take an
SA past zero the wrong way: a write-off leaves every SA it touched at exactly zero (never a
credit), a recovery never leaves a written-off SA owing (its reinstated debt is paid by the
credit moved onto it) nor recovers more than was written off, the account is never made to
owe by a recovery, and `check_ledger` stays clean (README "Write-offs")."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.ledger_checks import ledger_breaches
from accounts.models import ServiceAgreement
from accounts.reference import reference_data_load as accounts_load
from accounts.tests.factories import AccountFactory
from delinquency.models import WriteOff, WriteOffLine
from delinquency.services.writeoffs import (
    payments_recover,
    recoveries_reverse,
    writeoff_account,
)
from payments.models import Payment
from payments.reference import reference_data_load as payments_load
from payments.services.cancel import payment_cancel, tender_cancel
from payments.tests.factories import bill, pay, reason, sa_add

ZERO = Decimal("0.00")
amounts = st.integers(min_value=1, max_value=30_000).map(lambda c: Decimal(c) / 100)


class WriteOffPropertyTests(TestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        billed=st.lists(amounts, min_size=1, max_size=3),
        steps=st.lists(
            st.tuples(
                st.sampled_from(["pay", "pay", "cancel", "nsf", "writeoff", "bill"]),
                amounts,
                st.integers(0, 5),
            ),
            min_size=1,
            max_size=7,
        ),
    )
    def test_balances_never_cross_zero_the_wrong_way(self, billed, steps):
        accounts_load()
        payments_load()
        account = AccountFactory()
        sas = [sa_add(account, code) for code in ["WATER", "SEWER", "TRASH"][: len(billed)]]
        bill(account, dict(zip(sas, billed, strict=True)))
        ServiceAgreement.objects.filter(account=account).update(
            status=ServiceAgreement.Status.STOPPED, end_date=dt.date(2026, 1, 31)
        )
        live: list[Payment] = []
        day = dt.date(2026, 2, 1)
        for action, amount, pick in steps:
            day += dt.timedelta(days=1)
            account.refresh_from_db()
            if action == "writeoff":
                if account.balance > 0 and not account.agreements.filter(balance__lt=0).exists():
                    w = writeoff_account(
                        account=account,
                        user=None,
                        reason="r",
                        refer_to_collections=pick % 2,
                        on=day,
                        check_permission=False,
                    )
                    for line in w.lines.all():
                        line.sa.refresh_from_db()
                        assert line.sa.balance == ZERO  # written off to zero, never a credit
                    account.refresh_from_db()
                    assert account.balance == ZERO
            elif action == "pay":
                before = account.balance
                p = pay(account, amount, day=day, tender="CHECK" if pick % 2 else "CASH")
                frozen = dict(account.agreements.values_list("pk", "balance"))
                payments_recover(payment_ids=[p.pk], account_ids=[account.pk])
                payments_recover(payment_ids=[p.pk], account_ids=[account.pk])  # twice: no-op
                # the recovery never leaves an SA owing more than before it (a written-off
                # SA's reinstated debt is paid by the credit moved onto it), and a credit SA
                # gives up at most its credit
                for pk, balance in account.agreements.values_list("pk", "balance"):
                    assert balance <= max(frozen.get(pk, ZERO), ZERO)
                live.append(p)
                account.refresh_from_db()
                # a recovery takes only what the payment left as credit: the account never
                # owes more than it did less the payment, nor owes because of a recovery
                assert account.balance >= before - amount
                assert account.balance <= max(before - amount, ZERO)
            elif action == "bill":
                # a late charge on a stopped SA (a final meter read): new debt
                bill(account, {sas[pick % len(sas)]: amount}, bill_date=day)
            elif live:
                p = live.pop(pick % len(live))
                if action == "nsf" and p.event.tenders.get().tender_type.code == "CHECK":
                    tender_cancel(tender=p.event.tenders.get(), reason=reason("NSF"))
                else:
                    payment_cancel(payment=p, reason=reason("KEYERR"))
                recoveries_reverse(payment_ids=[p.pk], account_ids=[account.pk])
            self.assert_invariants(account)
        assert list(ledger_breaches()) == []

    def assert_invariants(self, account):
        for w in WriteOff.objects.filter(account=account):
            assert ZERO <= w.recovered <= w.amount
        for line in WriteOffLine.objects.filter(write_off__account=account).select_related("sa"):
            assert ZERO <= line.recovered <= line.amount
        assert list(ledger_breaches()) == []
