"""The online path and the bulk path give identical results (DESIGN §3, seed 003 steps 1.7,
1.8: "the same for online as well as automated batch processing"): twin accounts with the
same SAs, bills, payors, flags and credit events, one paid payment by payment online, the
other in one bulk chunk. Both take and refuse the same tenders (issue 7 item 6): a user
relies on a payment being accepted or refused alike at the counter and in an upload."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.ledger_checks import ledger_breaches
from accounts.models import FinancialTransaction
from accounts.services.work import credit_event_add
from accounts.tests.factories import AccountFactory
from payments.exceptions import PaymentRefused
from payments.models import Payment, Tender
from payments.reference import reference_data_load
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.services.controls import deposit_control_create, tender_control_open
from payments.services.events import PaymentIn, TenderIn, payment_event_create
from payments.tests.factories import bill, sa_add, source, tender_type

START = dt.date(2026, 1, 1)
TENDERS = ["CASH", "CHECK", "MONEYORD", "CARD", "ACH"]
CATEGORIES = ["cash", "check", "money_order", "card", "ach"]
amounts = st.integers(min_value=1, max_value=30_000).map(lambda c: Decimal(c) / 100)
# What makes an account refuse payments: the do-not-accept flag, disallowed pay methods,
# and cash-only points (credit events effective on a day, for some days or for good).
flags = st.fixed_dictionaries(
    {
        "do_not_accept": st.integers(0, 7).map(lambda n: n == 0),
        "disallowed": st.one_of(
            st.just([]), st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True)
        ),
        "events": st.lists(
            st.tuples(
                st.integers(40, 160),
                st.one_of(st.none(), st.integers(0, 60)),
                st.sampled_from([25, 50, 100]),
            ),
            max_size=2,
        ),
    }
)
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
        "payee": flags,
        # a third party paying for the account (seed 003 step 1.3), or nobody
        "payor": st.one_of(st.none(), flags),
        # payments: payment date (days after START), accounting date (days after the
        # payment date; often the same day), amount, tender type, with the payor, in the
        # tender control; several may share a day
        "payments": st.lists(
            st.tuples(
                st.integers(60, 150),
                st.one_of(st.just(0), st.integers(-10, 20)),
                amounts,
                st.sampled_from(TENDERS),
                st.booleans(),
                st.booleans(),
            ),
            min_size=1,
            max_size=4,
        ),
    }
)
NO_FLAGS = {"do_not_accept": False, "disallowed": [], "events": []}


def flagged_account(f: dict):
    account = AccountFactory(
        customer__do_not_accept_payments=f["do_not_accept"],
        customer__disallowed_pay_methods=f["disallowed"],
    )
    for day, days_valid, points in f["events"]:
        effective = START + dt.timedelta(days=day)
        credit_event_add(
            account=account,
            reason="returned check",
            cash_only_points=points,
            effective_on=effective,
            expires_on=None if days_valid is None else effective + dt.timedelta(days=days_valid),
        )
    return account


def twin(codes, bills, payee=NO_FLAGS, payor=None):
    """(account, payor account or None, an open tender control of the cashier source)."""
    account = flagged_account(payee)
    sas = [sa_add(account, code) for code in codes]
    for days, seg in sorted(bills):
        bill(account, dict(zip(sas, seg, strict=False)), bill_date=START + dt.timedelta(days=days))
    payor_account = flagged_account(payor) if payor is not None else None
    deposit = deposit_control_create(deposit_date=START)
    control = tender_control_open(deposit_control=deposit, tender_source=source())
    return account, payor_account, control


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
    tenders = [
        (
            t.tender_type.code,
            t.amount,
            t.payor_account_id is not None,
            t.tender_control_id is not None,
        )
        for p in payments
        for t in p.event.tenders.select_related("tender_type")
    ]
    account.refresh_from_db()
    return {
        "statuses": [p.status for p in payments],
        "dates": [(p.event.payment_date, p.accounting_date) for p in payments],
        "segments": segments,
        "tenders": tenders,
        "balances": balances,
        "account": account.balance,
        "descriptions": descriptions,
    }


def _dates(payment: tuple) -> tuple[dt.date, dt.date]:
    """(payment date, accounting date) of a scenario payment."""
    pay_day = START + dt.timedelta(days=payment[0])
    return pay_day, pay_day + dt.timedelta(days=payment[1])


def _full(payment: tuple) -> tuple:
    """Named scenarios give `(days, amount)`: paid and booked that day, by check, in no
    control, nobody else paying."""
    return (payment[0], 0, payment[1], "CHECK", False, False) if len(payment) == 2 else payment


def pay_both(codes, bills, payments, payee=NO_FLAGS, payor=None):
    """Both twins paid; returns each twin's outcome plus its refusals {index: message}."""
    payments = [_full(p) for p in payments]
    (online, online_payor, online_control) = twin(codes, bills, payee, payor)
    (bulk, bulk_payor, bulk_control) = twin(codes, bills, payee, payor)
    # online: one event at a time, in accounting-date order (the bulk path's order)
    online_refused = {}
    order = sorted(range(len(payments)), key=lambda n: _dates(payments[n])[1])
    for n in order:
        _, _, amount, tender, by_payor, in_control = payments[n]
        pay_day, book_day = _dates(payments[n])
        try:
            payment_event_create(
                tender_source=source(),
                payment_date=pay_day,
                tenders=[
                    TenderIn(
                        tender_type=tender_type(tender),
                        amount=amount,
                        payor_account=online_payor if by_payor else None,
                        tender_control=online_control if in_control else None,
                    )
                ],
                payments=[PaymentIn(account=online, amount=amount, accounting_date=book_day)],
            )
        except PaymentRefused as exc:
            online_refused[n] = _anonymous(str(exc), online, online_payor)
    # bulk: all at once, in the given (unsorted) order
    items = []
    for p in payments:
        _, _, amount, tender, by_payor, in_control = p
        pay_day, book_day = _dates(p)
        items.append(
            BulkPayment(
                account_id=bulk.pk,
                amount=amount,
                tender_type_id=tender_type(tender).pk,
                accounting_date=book_day,
                payment_date=pay_day,
                payor_account_id=bulk_payor.pk if by_payor and bulk_payor else None,
                tender_control_id=bulk_control.pk if in_control else None,
            )
        )
    result = payments_post_bulk(items=items, tender_source=source())
    bulk_refused = {n: _anonymous(e, bulk, bulk_payor) for n, e in result.errors.items()}
    return (
        {**outcome(online), "refused": online_refused, "control": _control(online_control)},
        {**outcome(bulk), "refused": bulk_refused, "control": _control(bulk_control)},
    )


def _anonymous(message: str, account, payor) -> str:
    """A refusal names the accounts; the twins' numbers differ."""
    message = message.replace(account.number, "PAYEE")
    return message.replace(payor.number, "PAYOR") if payor else message


def _control(control) -> tuple:
    tenders = Tender.objects.filter(tender_control=control)
    return tenders.count(), sorted(tenders.values_list("amount", flat=True))


class OnlineBulkTwinsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # once for the class: every example runs in a transaction rolled back after it
        reference_data_load()

    @settings(max_examples=30, deadline=None)
    @given(s=scenario)
    def test_same_segments_fts_balances_and_refusals(self, s):
        """Random SAs, bills and payments (some beyond the debt, some on the same day, some
        booked on another day than paid), tender types, payors, a tender control, and
        accounts that refuse some payments: the same payments taken, the same refused with
        the same message, the same segments, FTs, balances and control contents."""
        online, bulk = pay_both(s["codes"], s["bills"], s["payments"], s["payee"], s["payor"])
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
        # a back-dated payment pays the oldest debt first, a later bill's included
        (["WATER", "SEWER"], [(0, ["20", "5"]), (90, ["30", "8"])], [(60, "40"), (100, "30")]),
    ],
)
def test_named_scenarios(pay_ref, codes, bills, payments):
    """seed 003 steps 1.8, 2.7, 2.9: the same on both paths."""
    bills = [(d, [Decimal(a) for a in seg] + [Decimal("0.01")] * 3) for d, seg in bills]
    payments = [(d, Decimal(a)) for d, a in payments]
    online, bulk = pay_both(codes, bills, payments)
    assert online == bulk
    assert list(ledger_breaches()) == []


def test_acceptance_is_judged_on_the_payment_date(pay_ref):
    """Issue 7 item 6: one rule, one date. A check paid on 03/02 but booked on 03/12 is taken
    on both paths though the account became cash only on 03/07 (after an NSF): what
    counts is the account's standing the day the tender was received; a check paid on
    03/08 is refused on both, with the same message."""
    cash_only = {"do_not_accept": False, "disallowed": [], "events": [(65, None, 100)]}
    payments = [
        (60, 10, Decimal("25.00"), "CHECK", False, False),
        (66, 0, Decimal("30.00"), "CHECK", False, False),
    ]
    online, bulk = pay_both(["WATER"], [(0, [Decimal("80.00")] * 4)], payments, cash_only)
    assert online == bulk
    assert online["statuses"] == [Payment.Status.FROZEN]
    assert online["dates"] == [(dt.date(2026, 3, 2), dt.date(2026, 3, 12))]
    assert list(online["refused"]) == [1]
    assert "cash only" in online["refused"][1]
    assert list(ledger_breaches()) == []
