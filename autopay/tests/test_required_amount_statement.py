"""The required-amount option without a budget drafts the latest statement balance (issue
13 item 1; seed 004 "Required Amount (Statement Balance)"): the amount due the statement
PDF prints (previous balance + payments + adjustments + new charges), not the bill's
charges, at bill completion, in bulk and when a CSR creates an autopay by hand."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest

from accounts.ledger_checks import ledger_breaches
from accounts.models import Demographic, DemographicItem, SAType
from accounts.selectors import latest_statement_balance
from accounts.services.bills import bill_complete, bill_create
from accounts.statements import statement_amounts_due, statement_data
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory
from autopay.models import BillAutopayCheck, Clearing, Enrollment
from autopay.services.creation import bills_autopay_evaluate
from autopay.services.manual import clearing_default_amount
from payments.tests.factories import pay

from .factories import draft_enrollment

REQUIRED = Enrollment.AmountOption.REQUIRED
BILL_DATE = dt.date(2026, 3, 2)
DUE = dt.date(2026, 3, 23)


def _bill(account, amount: str, *, day=BILL_DATE, due=DUE):
    sa = account.agreements.get(sa_type__code="WATER")
    bill = bill_create(account=account, bill_date=day, due_date=due, segments={sa: D(amount)})
    return bill_complete(bill=bill)


@pytest.fixture
def required(account, autopay_reference):
    """Jane Doe's $100.00 bill of 01/01 (fixture), a $60.00 payment on 01/10, a required-
    amount autopay without a budget."""
    pay(account, "60.00", day=dt.date(2026, 1, 10))
    draft_enrollment(account, amount_option=REQUIRED)
    return account


def test_bill_completion_drafts_the_statement_amount_due_not_the_bill_charges(
    required, django_capture_on_commit_callbacks
):
    # when: the $80.00 bill of 03/02 completes
    sa = required.agreements.get(sa_type__code="WATER")
    bill = bill_create(account=required, bill_date=BILL_DATE, due_date=DUE, segments={sa: D(80)})
    with django_capture_on_commit_callbacks(execute=True):
        bill_complete(bill=bill)
    # then: previous balance 100.00 - payment 60.00 + new charges 80.00 = 120.00
    statement = statement_data(bill=bill)
    assert (statement.previous_balance, statement.payments, statement.charges) == (
        D("100.00"),
        D("-60.00"),
        D("80.00"),
    )
    assert statement.amount_due == D("120.00")
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.amount == D("120.00") == statement.amount_due
    assert BillAutopayCheck.objects.get(bill=bill).outcome == BillAutopayCheck.Outcome.DRAFTED
    assert list(ledger_breaches()) == []


def test_a_budget_amount_still_wins_over_the_statement(
    required, django_capture_on_commit_callbacks
):
    item = DemographicItem.objects.get(code="BUDGET")
    Demographic.objects.create(item=item, level="account", account=required, value=D("95.00"))
    with django_capture_on_commit_callbacks(execute=True):
        bill = _bill(required, "80.00")
    assert Clearing.objects.get(bill=bill).amount == D("95.00")


def test_a_csr_default_is_the_latest_statement_even_after_a_payment_since(required):
    # given: the 03/02 bill (statement 120.00), then a $30.00 payment on 03/05
    _bill(required, "80.00")
    pay(required, "30.00", day=dt.date(2026, 3, 5))
    required.refresh_from_db()
    # then: the balance is 90.00 but the required amount is the statement's 120.00
    assert required.balance == D("90.00")
    assert latest_statement_balance(account=required) == D("120.00")
    assert clearing_default_amount(account=required, today=dt.date(2026, 3, 6)) == D("120.00")
    assert list(ledger_breaches()) == []


def test_the_latest_statement_is_the_newest_completed_bill(required):
    _bill(required, "80.00")
    pay(required, "120.00", day=dt.date(2026, 3, 10))
    newest = _bill(required, "42.50", day=dt.date(2026, 4, 1), due=dt.date(2026, 4, 22))
    # 120.00 - 120.00 + 42.50
    assert latest_statement_balance(account=required) == D("42.50")
    assert statement_data(bill=newest).amount_due == D("42.50")


def test_no_completed_bill_means_no_statement_and_nothing_drafted(autopay_reference):
    account = AccountFactory()
    ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="WATER"))
    assert latest_statement_balance(account=account) is None


def test_bulk_evaluation_reads_every_statement_in_one_query(
    autopay_reference, django_assert_num_queries
):
    """Accounts with different histories, evaluated together: each draft is its own
    statement's amount due, and the statements cost one query for all the bills."""
    water = SAType.objects.get(code="WATER")
    bills, expected = [], {}
    for n in range(6):
        account = AccountFactory()
        sa = ServiceAgreementFactory(account=account, sa_type=water)
        old = bill_create(
            account=account,
            bill_date=dt.date(2026, 2, 2),
            due_date=dt.date(2026, 2, 23),
            segments={sa: D("50.00") + n},
        )
        bill_complete(bill=old)
        if n % 2:
            pay(account, "20.00", day=dt.date(2026, 2, 15))
        draft_enrollment(account, amount_option=REQUIRED)
        bill = bill_create(account=account, bill_date=BILL_DATE, due_date=DUE, segments={sa: D(10)})
        bill_complete(bill=bill)
        bills.append(bill.pk)
        # previous (50 + n) - (20 when paid) + 10
        expected[bill.pk] = D("60.00") + n - (D("20.00") if n % 2 else 0)
    with django_assert_num_queries(1):
        dues = statement_amounts_due(bill_ids=bills)
    assert dues == expected
    assert {pk: statement_data(bill=b).amount_due for pk, b in _bills(bills).items()} == expected
    result = bills_autopay_evaluate(bill_ids=bills)
    assert len(result.clearing_ids) == 6
    assert dict(Clearing.objects.filter(bill_id__in=bills).values_list("bill_id", "amount")) == (
        expected
    )
    assert list(ledger_breaches()) == []


def _bills(ids):
    from accounts.models import Bill

    return Bill.objects.in_bulk(ids)


def test_the_auto_payment_sub_tab_shows_what_the_required_amount_drafts_now(client, csr, required):
    from django.urls import reverse

    from .conftest import PASSWORD

    _bill(required, "80.00")
    pay(required, "30.00", day=dt.date(2026, 3, 5))
    assert client.login(username=csr.username, password=PASSWORD)
    url = reverse("acp:panel", args=[required.number]) + "?tab=customer"
    html = client.get(url).content.decode()
    shown = re.search(r"<dd data-required-amount>(.*?)</dd>", html, re.S).group(1)
    assert "$120.00" in shown and "latest statement balance" in shown
    # a budget amount takes over
    item = DemographicItem.objects.get(code="BUDGET")
    Demographic.objects.create(item=item, level="account", account=required, value=D("95.00"))
    html = client.get(url).content.decode()
    shown = re.search(r"<dd data-required-amount>(.*?)</dd>", html, re.S).group(1)
    assert "$95.00" in shown and "budget amount" in shown
