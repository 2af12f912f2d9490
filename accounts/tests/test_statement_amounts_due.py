"""`statement_amounts_due` (the set-based amount due autopay's required amount reads) says
what each statement prints, in the cases where "through the bill" is subtle: two bills of
one day, a later bill's charge, a payment after the bill date."""

import datetime as dt
from decimal import Decimal as D

from accounts.ledger_checks import ledger_breaches
from accounts.models import FinancialTransaction
from accounts.services.bills import bill_complete, bill_create
from accounts.statements import (
    _through,
    latest_statement_amounts_due,
    statement_amounts_due,
    statement_data,
)

DAY = dt.date(2026, 2, 2)


def _bill(account, amount: str, day=DAY):
    sa = account.agreements.get()
    bill = bill_create(
        account=account,
        bill_date=day,
        due_date=day + dt.timedelta(days=21),
        segments={sa: D(amount)},
    )
    return bill_complete(bill=bill)


def _python_due(bill) -> D:
    fts = FinancialTransaction.objects.frozen().filter(account_id=bill.account_id)
    return sum((ft.current_amount for ft in fts.select_related("bill") if _through(ft, bill)), D(0))


def test_two_bills_of_one_day_and_a_later_payment(account):
    from payments.reference import reference_data_load
    from payments.tests.factories import pay

    reference_data_load()
    # the fixture's $100.00 bill of 01/01, then two bills on 02/02, then a payment 02/05
    first = _bill(account, "30.00")
    second = _bill(account, "12.34")
    pay(account, "50.00", day=dt.date(2026, 2, 5))
    dues = statement_amounts_due(bill_ids=[first.pk, second.pk])
    # the first of the day does not carry the second's charge; the payment after is in neither
    assert dues == {first.pk: D("130.00"), second.pk: D("142.34")}
    assert dues[first.pk] == statement_data(bill=first).amount_due == _python_due(first)
    assert dues[second.pk] == statement_data(bill=second).amount_due == _python_due(second)
    assert latest_statement_amounts_due(account_ids=[account.pk]) == {account.pk: D("142.34")}
    s = statement_data(bill=second)
    assert s.previous_balance + s.payments + s.adjustments + s.charges == s.amount_due
    assert list(ledger_breaches()) == []


def test_no_bills_no_statements(reference_data):
    assert statement_amounts_due(bill_ids=[]) == {}
    assert latest_statement_amounts_due(account_ids=[]) == {}
