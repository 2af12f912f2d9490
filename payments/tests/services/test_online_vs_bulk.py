"""The online path and the bulk path give identical results (DESIGN §3, seed 003 steps 1.7,
1.8: "the same for online as well as automated batch processing"): twin accounts with the
same SAs and bills, one paid payment by payment online, the other in one bulk chunk."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.ledger_checks import ledger_breaches
from accounts.models import FinancialTransaction
from accounts.tests.factories import AccountFactory
from payments.models import Payment
from payments.reference import reference_data_load
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.tests.factories import bill, pay, sa_add, source, tender_type

START = dt.date(2026, 1, 1)
amounts = st.integers(min_value=1, max_value=30_000).map(lambda c: Decimal(c) / 100)
scenario = st.fixed_dictionaries(
    {
        # SA types of the account; SEWER/TRASH only means an excess-credit SA on overpayment
        "codes": st.lists(
            st.sampled_from(["WATER", "SEWER", "ELEC", "TRASH", "DEPOSIT"]),
            min_size=1,
            max_size=4,
            unique=True,
        ),
        # bills: (days after START, amount per SA)
        "bills": st.lists(
            st.tuples(st.integers(0, 120), st.lists(amounts, min_size=4, max_size=4)),
            max_size=4,
        ),
        # payments: (days after START, amount); several may share a day
        "payments": st.lists(st.tuples(st.integers(60, 150), amounts), min_size=1, max_size=4),
    }
)


def twin(codes, bills):
    account = AccountFactory()
    sas = [sa_add(account, code) for code in codes]
    for days, seg in sorted(bills):
        bill(account, dict(zip(sas, seg, strict=False)), bill_date=START + dt.timedelta(days=days))
    return account


def outcome(account) -> dict:
    """What the payments did, by SA type (ids differ between the twins)."""
    payments = Payment.objects.filter(account=account).order_by("accounting_date", "pk")
    segments = [
        sorted(
            (s.sa.sa_type.code, s.amount, s.is_overpayment, s.debt_due_date, s.ft.current_amount)
            for s in p.segments.select_related("sa__sa_type", "ft")
        )
        for p in payments
    ]
    balances = sorted(
        (sa.sa_type.code, sa.balance) for sa in account.agreements.select_related("sa_type")
    )
    descriptions = sorted(
        FinancialTransaction.objects.filter(account=account, kind="pay_segment").values_list(
            "description", flat=True
        )
    )
    account.refresh_from_db()
    return {
        "statuses": [p.status for p in payments],
        "segments": segments,
        "balances": balances,
        "account": account.balance,
        "descriptions": descriptions,
    }


def pay_both(codes, bills, payments):
    online, bulk = twin(codes, bills), twin(codes, bills)
    # online: one event at a time, in date order
    for days, amount in sorted(payments, key=lambda p: p[0]):
        pay(online, amount, day=START + dt.timedelta(days=days), tender="CHECK")
    # bulk: all at once, in the given (unsorted) order
    result = payments_post_bulk(
        items=[
            BulkPayment(
                account_id=bulk.pk,
                amount=amount,
                tender_type_id=tender_type("CHECK").pk,
                accounting_date=START + dt.timedelta(days=days),
            )
            for days, amount in payments
        ],
        tender_source=source(),
    )
    assert result.errors == {}
    return outcome(online), outcome(bulk)


class OnlineBulkTwinsTests(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(s=scenario)
    def test_same_segments_fts_and_balances(self, s):
        """Random SAs, bills and payments (some beyond the debt, some on the same day)."""
        reference_data_load()
        online, bulk = pay_both(s["codes"], s["bills"], s["payments"])
        assert online == bulk
        assert list(ledger_breaches()) == []


@pytest.mark.parametrize(
    ("codes", "bills", "payments"),
    [
        # priority then age across two bills
        (["WATER", "SEWER"], [(0, ["40", "30"]), (30, ["45", "35"])], [(70, "100")]),
        # overpayment to the eligible SA, then a second payment the same day
        (["SEWER", "ELEC"], [(0, ["20", "60"])], [(40, "100"), (40, "5")]),
        # no eligible SA: an excess-credit SA created once, used twice
        (["SEWER", "TRASH"], [(0, ["20", "18.5"])], [(40, "50"), (41, "10")]),
        # a payment before a later bill leaves that bill unpaid
        (["WATER"], [(0, ["20"]), (90, ["30"])], [(60, "20"), (100, "30")]),
    ],
)
def test_named_scenarios(pay_ref, codes, bills, payments):
    """seed 003 steps 1.8, 2.7, 2.9: the same on both paths."""
    bills = [(d, [Decimal(a) for a in seg] + [Decimal("0.01")] * 3) for d, seg in bills]
    payments = [(d, Decimal(a)) for d, a in payments]
    online, bulk = pay_both(codes, bills, payments)
    assert online == bulk
    assert list(ledger_breaches()) == []
