"""Aging after payments and their reversals (issue 8 item 7, DESIGN §2): past due and every
aging bucket equal what the open charges give when computed from scratch, after any
sequence of payments (overpaid, split over tenders, manual, back-dated) and payment or
tender cancellations. A CSR reads the past-due amount and the buckets off the dashboard
and collection works from them, so a reversal must reopen exactly the debt it paid."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.acp.selectors.dashboard import panel_aging
from accounts.ledger_checks import ledger_breaches
from accounts.models import FinancialTransaction
from accounts.panel import PanelContext
from accounts.selectors import account_aging
from accounts.tests.factories import AccountFactory
from payments.models import DistributionRule, Payment
from payments.reference import reference_data_load
from payments.selectors import sa_open_debts
from payments.services.cancel import payment_cancel, tender_cancel
from payments.services.events import DistributionMode, PaymentIn, TenderIn, payment_event_create
from payments.services.freeze import payment_freeze
from payments.tests.factories import account_with, bill, pay, reason, sa_add, source, tender_type

ZERO = Decimal("0.00")
START = dt.date(2026, 1, 1)
AS_OF = [START + dt.timedelta(days=d) for d in (0, 25, 50, 80, 115, 140, 200)]
BUCKETS = ("current", "days_0_30", "days_31_60", "days_61_90", "days_over_90")


def reference_open_charges(account) -> tuple[list[tuple[int, dt.date, Decimal]], Decimal]:
    """From scratch: the account's frozen FTs without any FT that was cancelled and without
    the cancellations; the credits left pay the oldest charges first. Returns the open
    charges (SA id, due date, open amount) and the balance."""
    fts = list(FinancialTransaction.objects.filter(account=account, is_frozen=True))
    cancelled = {ft.cancels_id for ft in fts if ft.cancels_id}
    live = [ft for ft in fts if ft.cancels_id is None and ft.pk not in cancelled]
    charges = sorted(
        ([ft.sa_id, ft.arrears_date, ft.current_amount] for ft in live if ft.current_amount > 0),
        key=lambda c: (c[1], c[0]),
    )
    credit = -sum((ft.current_amount for ft in live if ft.current_amount < 0), ZERO)
    for charge in charges:
        applied = min(charge[2], credit)
        charge[2] -= applied
        credit -= applied
    balance = sum((ft.current_amount for ft in fts), ZERO)
    return [tuple(c) for c in charges if c[2] > 0], balance


def reference_aging(account, as_of: dt.date) -> dict[str, Decimal]:
    charges, balance = reference_open_charges(account)
    buckets = dict.fromkeys(BUCKETS, ZERO)
    for _, due, amount in charges:
        late = (as_of - due).days
        if late <= 0:
            buckets["current"] += amount
        elif late <= 30:
            buckets["days_0_30"] += amount
        elif late <= 60:
            buckets["days_31_60"] += amount
        elif late <= 90:
            buckets["days_61_90"] += amount
        else:
            buckets["days_over_90"] += amount
    buckets["past_due"] = sum((buckets[b] for b in BUCKETS[1:]), ZERO)
    buckets["balance"] = balance
    return buckets


def reference_sa_debts(account) -> dict[int, dict[dt.date, Decimal]]:
    """Per SA, from scratch: the SA's own live credits pay its oldest charges first."""
    fts = list(FinancialTransaction.objects.filter(account=account, is_frozen=True))
    cancelled = {ft.cancels_id for ft in fts if ft.cancels_id}
    live = [ft for ft in fts if ft.cancels_id is None and ft.pk not in cancelled]
    debts: dict[int, dict[dt.date, Decimal]] = {}
    for sa_id in {ft.sa_id for ft in fts}:
        mine = [ft for ft in live if ft.sa_id == sa_id]
        credit = -sum((ft.current_amount for ft in mine if ft.current_amount < 0), ZERO)
        for ft in sorted((f for f in mine if f.current_amount > 0), key=lambda f: f.arrears_date):
            open_amount = ft.current_amount - min(ft.current_amount, credit)
            credit -= ft.current_amount - open_amount
            if open_amount > 0:
                by_due = debts.setdefault(sa_id, {})
                by_due[ft.arrears_date] = by_due.get(ft.arrears_date, ZERO) + open_amount
    return debts


def assert_aging_is_from_scratch(account) -> None:
    for as_of in AS_OF:
        aging = account_aging(account=account, as_of=as_of)
        got = {b: getattr(aging, b) for b in BUCKETS}
        got["past_due"], got["balance"] = aging.past_due, aging.balance
        assert got == reference_aging(account, as_of), as_of
    sa_ids = list(account.agreements.values_list("pk", flat=True))
    assert sa_open_debts(sa_ids=sa_ids, as_of=AS_OF[-1]) == reference_sa_debts(account)


cents = st.integers(min_value=1, max_value=15_000).map(lambda c: Decimal(c) / 100)
operation = st.one_of(
    st.tuples(st.just("bill"), st.integers(0, 120), st.lists(cents, min_size=3, max_size=3)),
    # a payment: day (possibly before the last bill: back-dated), amount, how it is made
    st.tuples(
        st.just("pay"),
        st.integers(0, 130),
        cents,
        st.sampled_from(["auto", "overpay", "split", "manual", "delinquent"]),
    ),
    # cancel the n-th payment made so far (modulo): the payment, or its tender (NSF)
    st.tuples(st.just("cancel"), st.integers(0, 20), st.sampled_from(["payment", "nsf"])),
)


class AgingAfterCancelsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # once for the class: every example runs in a transaction rolled back after it
        reference_data_load()

    @settings(max_examples=25, deadline=None)
    @given(ops=st.lists(operation, min_size=1, max_size=10))
    def test_aging_equals_aging_from_the_open_charges(self, ops):
        """Random bills, payments and cancellations; aging checked at several dates."""
        account = AccountFactory()
        sas = [sa_add(account, code) for code in ("WATER", "SEWER", "ELEC")]
        payments: list[Payment] = []
        for op in ops:
            if op[0] == "bill":
                _, days, amounts = op
                bill(account, dict(zip(sas, amounts, strict=True)), bill_date=START + td(days))
            elif op[0] == "pay":
                payments.append(make_payment(account, sas, *op[1:]))
            elif payments:
                cancel(payments[op[1] % len(payments)], op[2])
            assert_aging_is_from_scratch(account)
        assert list(ledger_breaches()) == []


def td(days: int) -> dt.timedelta:
    return dt.timedelta(days=days)


def make_payment(account, sas, days: int, amount: Decimal, how: str) -> Payment:
    day = START + td(days)
    if how == "overpay":
        account.refresh_from_db()
        return pay(account, max(account.balance, ZERO) + amount, day=day, tender="CHECK")
    if how == "delinquent":
        rule = DistributionRule.objects.get(code="DELINQ")
        return pay(account, amount, day=day, distribution_rule=rule)
    if how == "manual":
        # the CSR puts it all on the last SA, whatever the others owe (seed 003 step 2.0)
        payment = pay(
            account, amount, day=day, mode=DistributionMode.MANUAL, sa_amounts={sas[-1]: amount}
        )
        return payment_freeze(payment=payment)
    if how == "split" and amount >= Decimal("0.02"):
        # one payment funded by two tenders: cash and a check
        cash = (amount / 2).quantize(Decimal("0.01"))
        event = payment_event_create(
            tender_source=source(),
            payment_date=day,
            tenders=[
                TenderIn(tender_type=tender_type("CASH"), amount=cash),
                TenderIn(tender_type=tender_type("CHECK"), amount=amount - cash),
            ],
            payments=[PaymentIn(account=account, amount=amount)],
        )
        return event.payments.get()
    return pay(account, amount, day=day, tender="CHECK")


def cancel(payment: Payment, how: str) -> None:
    payment.refresh_from_db()
    if payment.status != Payment.Status.FROZEN:
        return
    checks = payment.event.tenders.filter(status="valid", tender_type__code="CHECK")
    if how == "nsf" and checks.exists():
        tender_cancel(tender=checks.order_by("pk").first(), reason=reason("NSF"))
    else:
        payment_cancel(payment=payment, reason=reason("KEYERR"))


@pytest.mark.usefixtures("pay_ref")
def test_reversed_overpayment_leaves_the_later_bill_past_due():
    """Issue 8 item 7 (account 1000000008 of the demo): an overpayment made before a bill,
    then reversed, leaves that bill unpaid and past due, as it would be had the
    overpayment never been made; not 'current' debt dated the day of the reversal."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    overpaid = pay(account, 80, day=dt.date(2026, 10, 1), tender="CHECK")
    bill(account, {water: 50, sewer: 30}, bill_date=dt.date(2026, 11, 6))  # due 11/27
    payment_cancel(payment=overpaid, reason=reason("KEYERR"))
    aging_day = dt.date(2026, 12, 2)
    aging = account_aging(account=account, as_of=aging_day)
    assert aging.past_due == Decimal("80.00")
    assert aging.days_0_30 == Decimal("80.00")
    assert aging.current == ZERO
    # the panel's dashboard card reads the same
    ctx = PanelContext(request=RequestFactory().get("/"), account=account, today=aging_day)
    assert panel_aging(ctx) == aging
    assert_aging_is_from_scratch(account)
    assert list(ledger_breaches()) == []
