"""Cancelling payments and tenders, NSF and returned payments (seed 003 steps 3.8-4.5)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from accounts.ledger_checks import ledger_breaches
from accounts.models import Adjustment, CreditRatingEvent, FinancialTransaction, ToDoEntry
from accounts.selectors import account_aging
from payments.exceptions import PaymentError, PaymentStateError
from payments.models import Payment, PaymentEvent, Tender
from payments.services.cancel import payment_cancel, tender_cancel, tender_return
from payments.services.events import DistributionMode
from payments.signals import tender_cancelled
from payments.tests.factories import account_with, bill, captured, pay, reason

pytestmark = pytest.mark.usefixtures("pay_ref")
JAN = dt.date(2026, 1, 1)  # bill date; due Jan 22


def test_cancel_payment_reverses_its_fts_and_keeps_the_tender():
    """seed 003 steps 3.8, 3.9, 4.0: cancellation FTs mirror the pay segments; the tender
    stays valid and the event shows money waiting for a new payment."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30}, bill_date=JAN)
    payment = pay(account, 70)
    payment_cancel(payment=payment, reason=reason("KEYERR"), comment="wrong amount")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert payment.cancel_reason.code == "KEYERR"
    cancels = FinancialTransaction.objects.filter(kind="pay_cancel")
    assert sorted(cancels.values_list("current_amount", flat=True)) == [D("30.00"), D("40.00")]
    assert all(
        s.cancel_ft.cancels_id == s.ft_id for s in payment.segments.select_related("cancel_ft")
    )
    assert payment.event.tenders.get().status == Tender.Status.VALID
    account.refresh_from_db()
    assert account.balance == D("70.00")
    assert list(ledger_breaches()) == []


def test_cancelled_payment_reopens_debt_as_old_as_it_was():
    """A reversed payment's debt is past due again from the bill's due date, not 'current'."""
    account, (water,) = account_with("WATER")
    bill(account, {water: 50}, bill_date=JAN)
    payment = pay(account, 50, day=dt.date(2026, 1, 15))
    payment_cancel(payment=payment, reason=reason("KEYERR"))
    aging = account_aging(account=account, as_of=dt.date(2026, 2, 10))
    assert aging.past_due == D("50.00")
    assert aging.days_0_30 == D("50.00")


def test_a_payment_is_cancelled_once_and_an_unposted_one_without_a_trace():
    """issue 7 item 13: a CSR may not delete an unposted payment (a Supervisor does), so
    they cancel it with a reason; it had no FTs, so nothing is reversed, its tender stays
    and the event waits for a new payment, as after cancelling a frozen one."""
    account, _ = account_with("WATER")
    incomplete = pay(account, 10, mode=DistributionMode.DO_NOT_DISTRIBUTE)
    payment_cancel(payment=incomplete, reason=reason("KEYERR"), comment="keyed twice")
    incomplete.refresh_from_db()
    assert (incomplete.status, incomplete.cancel_reason.code) == ("cancelled", "KEYERR")
    assert incomplete.event.tenders.get().status == "valid"
    assert not FinancialTransaction.objects.filter(account=account, kind="pay_cancel").exists()
    assert list(ledger_breaches()) == []
    frozen = pay(account, 10)
    payment_cancel(payment=frozen, reason=reason("KEYERR"))
    with pytest.raises(PaymentStateError, match="is cancelled"):
        payment_cancel(payment=frozen, reason=reason("KEYERR"))


def test_nsf_is_a_tender_cancellation():
    account, _ = account_with("WATER")
    payment = pay(account, 10)
    with pytest.raises(PaymentError, match="cancel the tender instead"):
        payment_cancel(payment=payment, reason=reason("NSF"))


def test_nsf_tender_cancel_levies_fee_points_and_review(django_capture_on_commit_callbacks):
    """seed 003 steps 4.1-4.4: the tender and its payment are cancelled; an NSF charge on
    the highest-priority SA (water 20 before sewer 30, deposit skipped), credit rating and
    cash-only points, a collection-review To Do, and `tender_cancelled` after commit."""
    account, (deposit, sewer, water) = account_with("DEPOSIT", "SEWER", "WATER")
    bill(account, {water: 40, sewer: 30}, bill_date=JAN)
    payment = pay(account, 70, tender="CHECK", day=dt.date(2026, 1, 20))
    tender = payment.event.tenders.get()
    with captured(tender_cancelled) as received, django_capture_on_commit_callbacks(execute=True):
        tender_cancel(tender=tender, reason=reason("NSF"))
    tender.refresh_from_db()
    payment.refresh_from_db()
    assert (tender.status, payment.status) == ("cancelled", "cancelled")
    fee = Adjustment.objects.get()
    assert (fee.sa_id, fee.amount, fee.adjustment_type.code) == (water.pk, D("25.00"), "NSF")
    event = CreditRatingEvent.objects.get(account=account)
    assert (event.credit_rating_points, event.cash_only_points) == (-50, 25)
    assert event.expires_on == event.effective_on + dt.timedelta(days=365)
    todo = ToDoEntry.objects.get(account=account)
    assert todo.todo_type.code == "COLLREVIEW"
    assert received[0]["is_nsf"] and not received[0]["stops_autopay"]
    assert received[0]["tender_ids"] == [tender.pk]
    account.refresh_from_db()
    assert account.balance == D("95.00")  # the debt is back, plus the fee
    assert list(ledger_breaches()) == []


def test_nsf_fee_is_charged_to_the_payor_when_payor_and_payee_differ():
    """seed 003 step 4.2: a landlord's returned check for a tenant: the fee is the
    landlord's."""
    payor, (p_water,) = account_with("WATER")
    tenant, (t_water,) = account_with("WATER")
    bill(tenant, {t_water: 60}, bill_date=JAN)
    payment = pay(tenant, 60, tender="CHECK", payor=payor)
    tender_cancel(tender=payment.event.tenders.get(), reason=reason("NSF"))
    fee = Adjustment.objects.get()
    assert fee.sa_id == p_water.pk
    assert CreditRatingEvent.objects.get().account_id == payor.pk
    tenant.refresh_from_db()
    assert tenant.balance == D("60.00")


def test_stop_autopay_reason_says_so_in_the_signal(django_capture_on_commit_callbacks):
    """seed 001: a reason flagged stop-autopay tells autopay (listening to the signal)."""
    account, _ = account_with("WATER")
    payment = pay(account, 15, tender="ACH")
    with captured(tender_cancelled) as received, django_capture_on_commit_callbacks(execute=True):
        tender_cancel(tender=payment.event.tenders.get(), reason=reason("ACCTCLOSED"))
    assert received[0]["stops_autopay"] is True
    assert received[0]["reason_code"] == "ACCTCLOSED"


def test_tender_cancelled_twice_is_refused():
    account, _ = account_with("WATER")
    tender = pay(account, 15).event.tenders.get()
    tender_cancel(tender=tender, reason=reason("KEYERR"))
    with pytest.raises(PaymentStateError, match="already cancelled"):
        tender_cancel(tender=tender, reason=reason("KEYERR"))


def test_non_nsf_tender_cancel_has_no_fee():
    account, _ = account_with("WATER")
    payment = pay(account, 15)
    tender_cancel(tender=payment.event.tenders.get(), reason=reason("DUPLICATE"))
    assert not Adjustment.objects.exists() and not CreditRatingEvent.objects.exists()
    assert list(ledger_breaches()) == []


def test_returned_payment_in_one_step_with_representment():
    """A returned check: reversed, debt reopened past due, fee added; presented again it
    pays the same account, linked to the returned tender."""
    account, (water,) = account_with("WATER")
    bill(account, {water: 80}, bill_date=JAN)
    payment = pay(account, 80, tender="CHECK", day=dt.date(2026, 1, 20))
    tender = payment.event.tenders.get()
    outcome = tender_return(
        tender=tender, reason=reason("NSF"), represent=True, represent_date=dt.date(2026, 2, 5)
    )
    assert outcome.tender.status == Tender.Status.CANCELLED
    again = outcome.representment
    new_tender = again.tenders.get()
    assert (new_tender.represents_id, new_tender.amount) == (tender.pk, D("80.00"))
    new_payment = again.payments.get()
    assert (new_payment.status, new_payment.account_id) == ("frozen", account.pk)
    account.refresh_from_db()
    assert account.balance == D("25.00")  # the fee stays
    assert PaymentEvent.objects.count() == 2
    assert list(ledger_breaches()) == []


def test_returned_payment_without_representment_leaves_the_debt_past_due():
    account, (water,) = account_with("WATER")
    bill(account, {water: 80}, bill_date=JAN)
    payment = pay(account, 80, tender="CHECK", day=dt.date(2026, 1, 20))
    outcome = tender_return(tender=payment.event.tenders.get(), reason=reason("NSF"))
    assert outcome.representment is None
    aging = account_aging(account=account, as_of=dt.date(2026, 2, 10))
    assert aging.past_due == D("80.00")
    assert aging.balance == D("105.00")
