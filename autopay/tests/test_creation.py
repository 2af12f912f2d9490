"""Autopay at bill completion (seed 001 steps 1.6-2.8): eligibility, amount, the cut to the
maximum withdrawal, dates, both installation options, idempotent redelivery."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from accounts.models import (
    Account,
    CreditRatingEvent,
    Demographic,
    DemographicItem,
    SAType,
    ToDoEntry,
)
from accounts.services.bills import bill_complete, bill_create
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory
from autopay.models import BillAutopayCheck, Clearing, Enrollment
from autopay.services.creation import bills_autopay_evaluate

from .factories import card_enrollment, draft_enrollment

BILL_DATE = dt.date(2026, 3, 2)  # a Monday
DUE = dt.date(2026, 3, 23)  # a Monday


def _bill(account: Account, amount="80.00", *, sa=None, bill_date=BILL_DATE, due=DUE, capture):
    """Complete a bill; the bill_completed receiver runs on commit."""
    sa = sa or account.agreements.get(sa_type__code="WATER")
    bill = bill_create(account=account, bill_date=bill_date, due_date=due, segments={sa: D(amount)})
    with capture(execute=True):
        bill_complete(bill=bill)
    return bill


@pytest.fixture
def enrolled(account, autopay_reference):
    """Jane Doe owing $100, a draft autopay paying the balance."""
    draft_enrollment(account)
    return account


def test_bill_completion_stores_a_pending_autopay_of_the_balance_on_the_bill(
    enrolled, django_capture_on_commit_callbacks
):
    # when
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    # then: $100 old + $80 new owed; due Mon 3/23 -> settles 3/23, extracted 2 banking days
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.status == Clearing.Status.PENDING
    assert clearing.amount == D("180.00")
    assert clearing.kind == Enrollment.Kind.DRAFT
    assert clearing.gl_distribution_on == DUE
    assert clearing.extract_on == dt.date(2026, 3, 19)
    assert clearing.payment_on == dt.date(2026, 3, 19)
    assert clearing.payment_id is None
    assert BillAutopayCheck.objects.get(bill=bill).clearing == clearing
    call_command("check_ledger")


@pytest.mark.parametrize(
    "option, amount, budget, expected",
    [
        (Enrollment.AmountOption.BALANCE, None, None, D("180.00")),
        (Enrollment.AmountOption.MAXIMUM, D("150.00"), None, D("150.00")),
        (Enrollment.AmountOption.FIXED, D("60.00"), None, D("60.00")),
        # the statement: the unpaid $100 bill of 01/01 + $80 new
        (Enrollment.AmountOption.REQUIRED, None, None, D("180.00")),
        (Enrollment.AmountOption.REQUIRED, None, D("95.00"), D("95.00")),  # the budget
    ],
)
def test_each_amount_option_drafts_its_amount(
    account, autopay_reference, django_capture_on_commit_callbacks, option, amount, budget, expected
):
    # given
    draft_enrollment(account, amount_option=option, amount=amount)
    if budget is not None:
        item = DemographicItem.objects.get(code="BUDGET")
        Demographic.objects.create(item=item, level="account", account=account, value=budget)
    # when
    bill = _bill(account, capture=django_capture_on_commit_callbacks)
    # then
    assert Clearing.objects.get(bill=bill).amount == expected


def test_fixed_amount_is_not_announced_in_advance_but_a_varying_one_is(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    other = AccountFactory()
    sa = ServiceAgreementFactory(account=other, sa_type=SAType.objects.get(code="WATER"))
    draft_enrollment(account, notify_in_advance=True)
    draft_enrollment(
        other, notify_in_advance=True, amount_option=Enrollment.AmountOption.FIXED, amount=D("50")
    )
    varying = _bill(account, capture=django_capture_on_commit_callbacks)
    fixed = _bill(other, sa=sa, capture=django_capture_on_commit_callbacks)
    assert Clearing.objects.get(bill=varying).notice_due is True
    assert Clearing.objects.get(bill=fixed).notice_due is False


def test_amount_over_the_maximum_withdrawal_is_cut_and_a_todo_raised(
    enrolled, settings, django_capture_on_commit_callbacks
):
    settings.OPENCIS_AUTOPAY_MAX_WITHDRAWAL = "150.00"
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.amount == D("150.00")
    assert clearing.reduced_from == D("180.00")
    todo = ToDoEntry.objects.get(todo_type__code="AUTOPAYMAX")
    assert todo.source == f"autopay.Clearing:{clearing.pk}"
    assert todo.account_id == enrolled.pk


def test_creation_at_bill_completion_posts_and_freezes_the_payment_at_once(
    enrolled, settings, django_capture_on_commit_callbacks
):
    settings.OPENCIS_AUTOPAY_CREATE_AT = "bill_completion"
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.status == Clearing.Status.FROZEN
    payment = clearing.payment
    assert payment.status == "frozen"
    assert payment.amount == D("180.00")
    assert payment.accounting_date == clearing.gl_distribution_on
    assert payment.event.payment_date == clearing.payment_on
    assert payment.event.external_id == f"AUTOPAY-{clearing.pk}"
    assert payment.event.tender_source.code == "AUTOPAY"
    assert clearing.tender.tender_type.code == "ACH"
    assert clearing.tender.last4 == "6789"
    enrolled.refresh_from_db()
    assert enrolled.balance == D("0.00")
    call_command("check_ledger")


def test_a_card_autopay_carries_the_card_token_on_its_tender(
    account, autopay_reference, settings, django_capture_on_commit_callbacks
):
    settings.OPENCIS_AUTOPAY_CREATE_AT = "bill_completion"
    enrollment = card_enrollment(account)
    bill = _bill(account, capture=django_capture_on_commit_callbacks)
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.kind == Enrollment.Kind.CARD
    assert clearing.tender.tender_type.code == "CARD"
    assert clearing.tender.processor_token == enrollment.card_token
    call_command("check_ledger")


def _no_autopay_because(bill, words: str) -> None:
    assert not Clearing.objects.filter(bill=bill).exists()
    check = BillAutopayCheck.objects.get(bill=bill)
    assert check.outcome == BillAutopayCheck.Outcome.INELIGIBLE
    assert words in check.reason


def test_a_cash_only_account_is_not_drafted(enrolled, django_capture_on_commit_callbacks):
    CreditRatingEvent.objects.create(
        account=enrolled,
        effective_on=dt.date(2026, 1, 1),
        credit_rating_points=0,
        cash_only_points=500,
        reason="NSF returns",
    )
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    _no_autopay_because(bill, "cash only")


def test_a_customer_flagged_do_not_accept_payments_is_not_drafted(
    enrolled, django_capture_on_commit_callbacks
):
    enrolled.customer.do_not_accept_payments = True
    enrolled.customer.save(update_fields=["do_not_accept_payments"])
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    _no_autopay_because(bill, "does not accept payments")


def test_a_stopped_autopay_drafts_nothing(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    draft_enrollment(
        account, stopped_on=dt.date(2026, 2, 1), stop_reason=Enrollment.StopReason.CUSTOMER
    )
    bill = _bill(account, capture=django_capture_on_commit_callbacks)
    _no_autopay_because(bill, "no autopay in effect")


def test_an_autopay_stopped_after_the_bill_date_drafts_nothing(
    enrolled, django_capture_on_commit_callbacks
):
    enrollment = enrolled.autopays.get()
    Enrollment.objects.filter(pk=enrollment.pk).update(
        stopped_on=dt.date(2026, 3, 5), stop_reason=Enrollment.StopReason.CUSTOMER
    )
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    _no_autopay_because(bill, "stopped")


def test_charges_on_an_sa_type_autopay_may_not_pay_are_not_drafted(
    enrolled, django_capture_on_commit_callbacks
):
    sewer = SAType.objects.get(code="SEWER")
    sewer.is_autopay_eligible = False
    sewer.save(update_fields=["is_autopay_eligible"])
    sa = ServiceAgreementFactory(account=enrolled, sa_type=sewer)
    bill = _bill(enrolled, sa=sa, capture=django_capture_on_commit_callbacks)
    _no_autopay_because(bill, "SA type")


def test_only_the_eligible_sa_balance_is_drafted(enrolled, django_capture_on_commit_callbacks):
    sewer = SAType.objects.get(code="SEWER")
    sewer.is_autopay_eligible = False
    sewer.save(update_fields=["is_autopay_eligible"])
    sewer_sa = ServiceAgreementFactory(account=enrolled, sa_type=sewer)
    water_sa = enrolled.agreements.get(sa_type__code="WATER")
    bill = bill_create(
        account=enrolled,
        bill_date=BILL_DATE,
        due_date=DUE,
        segments={water_sa: D("80.00"), sewer_sa: D("40.00")},
    )
    with django_capture_on_commit_callbacks(execute=True):
        bill_complete(bill=bill)
    assert Clearing.objects.get(bill=bill).amount == D("180.00")  # water only


def test_a_customer_type_outside_the_setting_is_not_drafted(
    enrolled, settings, django_capture_on_commit_callbacks
):
    settings.OPENCIS_AUTOPAY_CUSTOMER_TYPES = ["profit"]
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    _no_autopay_because(bill, "customer type individual")


def test_nothing_owed_drafts_nothing(enrolled, django_capture_on_commit_callbacks):
    water = enrolled.agreements.get(sa_type__code="WATER")
    bill = bill_create(
        account=enrolled, bill_date=BILL_DATE, due_date=DUE, segments={water: D("-150.00")}
    )
    with django_capture_on_commit_callbacks(execute=True):
        bill_complete(bill=bill)
    assert not Clearing.objects.filter(bill=bill).exists()
    assert BillAutopayCheck.objects.get(bill=bill).outcome == BillAutopayCheck.Outcome.NOTHING


def test_dates_fall_on_banking_days_around_a_weekend_and_a_holiday(
    enrolled, django_capture_on_commit_callbacks
):
    # Due Sunday 5/31/2026: settles Fri 5/29, extracted two banking days before, Wed 5/27.
    bill = _bill(
        enrolled,
        bill_date=dt.date(2026, 5, 8),
        due=dt.date(2026, 5, 31),
        capture=django_capture_on_commit_callbacks,
    )
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.gl_distribution_on == dt.date(2026, 5, 29)
    assert clearing.extract_on == dt.date(2026, 5, 27)
    # Due Tue 5/26, the day after Memorial Day: the extract skips the holiday and the
    # weekend, Thu 5/21 (Fri 5/22 is one banking day before, Mon 5/25 none).
    bill2 = _bill(
        enrolled,
        bill_date=dt.date(2026, 5, 8),
        due=dt.date(2026, 5, 26),
        capture=django_capture_on_commit_callbacks,
    )
    later = Clearing.objects.get(bill=bill2)
    assert later.gl_distribution_on == dt.date(2026, 5, 26)
    assert later.extract_on == dt.date(2026, 5, 21)


def test_a_second_delivery_of_the_same_bills_creates_nothing(
    enrolled, settings, django_capture_on_commit_callbacks
):
    settings.OPENCIS_AUTOPAY_CREATE_AT = "bill_completion"
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    # when: the signal delivered again
    result = bills_autopay_evaluate(bill_ids=[bill.pk])
    # then
    assert result.clearing_ids == []
    assert Clearing.objects.filter(bill=bill).count() == 1
    enrolled.refresh_from_db()
    assert enrolled.balance == D("0.00")
    call_command("check_ledger")


@pytest.mark.parametrize("create_at, ceiling", [("extract_date", 25), ("bill_completion", 60)])
def test_thousands_of_bills_cost_a_constant_number_of_queries(
    autopay_reference, django_assert_max_num_queries, settings, create_at, ceiling
):
    settings.OPENCIS_AUTOPAY_CREATE_AT = create_at
    water = SAType.objects.get(code="WATER")
    bills = []
    for n in range(30):
        account = AccountFactory()
        sa = ServiceAgreementFactory(account=account, sa_type=water)
        draft_enrollment(
            account,
            amount_option=Enrollment.AmountOption.REQUIRED if n % 2 else "balance",
        )
        bill = bill_create(account=account, bill_date=BILL_DATE, due_date=DUE, segments={sa: D(5)})
        bill_complete(bill=bill)
        bills.append(bill.pk)
    with django_assert_max_num_queries(ceiling):
        result = bills_autopay_evaluate(bill_ids=bills)
    assert len(result.clearing_ids) == 30
    if create_at == "bill_completion":
        assert result.posted.frozen and len(result.posted.frozen) == 30


def test_a_failing_evaluation_does_not_fail_billing_and_the_sweep_catches_up(
    enrolled, monkeypatch, django_capture_on_commit_callbacks
):
    from autopay.receivers import bills as receiver
    from cis.batch import batch_run

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(receiver, "bills_autopay_evaluate", broken)
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)  # no exception
    assert not Clearing.objects.filter(bill=bill).exists()
    monkeypatch.undo()
    batch_run(job_name="autopay_bill_sweep", business_date=BILL_DATE)
    assert Clearing.objects.get(bill=bill).amount == D("180.00")


def test_a_late_delivery_of_an_older_bill_does_not_draft_the_balance_again(
    enrolled, django_capture_on_commit_callbacks
):
    water = enrolled.agreements.get(sa_type__code="WATER")
    older = bill_create(account=enrolled, bill_date=BILL_DATE, due_date=DUE, segments={water: 80})
    bill_complete(bill=older)  # its delivery is late
    newer = _bill(
        enrolled,
        bill_date=dt.date(2026, 4, 1),
        due=dt.date(2026, 4, 22),
        capture=django_capture_on_commit_callbacks,
    )
    assert Clearing.objects.get(bill=newer).amount == D("260.00")
    # when: the older bill's delivery comes in
    result = bills_autopay_evaluate(bill_ids=[older.pk])
    # then
    assert result.clearing_ids == []
    check = BillAutopayCheck.objects.get(bill=older)
    assert check.outcome == BillAutopayCheck.Outcome.NOTHING
    assert "later bill" in check.reason
