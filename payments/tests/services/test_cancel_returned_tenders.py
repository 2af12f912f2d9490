"""Returned tenders at the edges (seed 003 steps 4.1-4.4 and Cash Check): a cashed check
coming back unpaid, re-presentment on a cash-only account, an NSF after every payment of
the tender was cancelled, and which tender types NSF reasons apply to."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.ledger_checks import ledger_breaches
from accounts.models import Adjustment, CreditRatingEvent, GLLine, ToDoEntry
from accounts.services.work import credit_event_add
from payments.exceptions import PaymentError, PaymentRefused
from payments.models import Payment, Tender
from payments.selectors import event_unapplied
from payments.services.cancel import payment_cancel, tender_cancel, tender_return
from payments.services.events import PaymentIn
from payments.services.noncis import check_cash
from payments.services.transfer import payment_transfer
from payments.tests.factories import account_with, bill, pay, reason, source, tender_type

pytestmark = pytest.mark.usefixtures("pay_ref")
JAN = dt.date(2026, 1, 1)


def cashed(payor, amount="100.00"):
    """A check of `payor` cashed at the counter; returns (event, check tender, cash tender)."""
    event = check_cash(
        tender_source=source(),
        check_type=tender_type("CHECK"),
        amount=D(amount),
        payor_account=payor,
        check_number="7001",
    )
    return event, event.tenders.get(amount__gt=0), event.tenders.get(amount__lt=0)


# -- item 1: a cashed check returned unpaid --------------------------------------------


def test_returned_cashed_check_is_owed_by_the_payor_and_the_ledger_holds():
    """Cash Check + seed 003 steps 4.2/4.4: the cash handed out for a check that bounces is
    what the payor owes. It is booked as a charge on the payor's SA (its own adjustment
    type, offset to cash), the NSF fee comes on top, the cash tender stays on record, and
    the event and every ledger invariant stay balanced."""
    payor, (water,) = account_with("WATER")
    event, check, cash = cashed(payor)
    tender_cancel(tender=check, reason=reason("NSF"))
    assert list(ledger_breaches()) == []
    owed = Adjustment.objects.get(adjustment_type__code="RETCHECK")
    assert (owed.sa_id, owed.amount) == (water.pk, D("100.00"))
    lines = dict(
        GLLine.objects.filter(ft__adjustment=owed).values_list("gl_account__code", "amount")
    )
    assert lines == {"1100": D("100.00"), "1000": D("-100.00")}
    fee = Adjustment.objects.get(adjustment_type__code="NSF")
    assert (fee.sa_id, fee.amount) == (water.pk, D("25.00"))
    payor.refresh_from_db()
    assert payor.balance == D("125.00")
    assert CreditRatingEvent.objects.get().account_id == payor.pk
    assert ToDoEntry.objects.get(todo_type__code="COLLREVIEW").account_id == payor.pk
    check.refresh_from_db()
    cash.refresh_from_db()
    assert (check.status, cash.status) == ("cancelled", "valid")
    assert check.receivable_adjustment_id == owed.pk
    assert event_unapplied(event=event) == D("0.00")


def test_check_cashing_names_the_payor_who_owes_it_if_it_is_returned():
    """A check is cashed only for an account that can be charged back: without a payor
    account (or one with nothing to charge) a bounced check would be a silent loss."""
    with pytest.raises(PaymentError, match="payor account"):
        check_cash(tender_source=source(), check_type=tender_type("CHECK"), amount=D("50.00"))
    no_service, _ = account_with("DEPOSIT")
    with pytest.raises(PaymentError, match="no active service agreement"):
        cashed(no_service)
    assert not Tender.objects.exists()


def test_a_cashed_check_is_cancelled_only_as_returned():
    """Cancelling a cashed check for a non-NSF reason would leave the cash handed out
    unexplained: the CSR deletes a cashing keyed in error instead (seed 003 step 2.3)."""
    payor, _ = account_with("WATER")
    _, check, cash = cashed(payor)
    for tender in (check, cash):
        with pytest.raises(PaymentError, match="delete the event"):
            tender_cancel(tender=tender, reason=reason("KEYERR"))
    assert not Tender.objects.filter(status="cancelled").exists()
    assert list(ledger_breaches()) == []


def test_a_returned_cashed_check_presented_again_pays_what_its_payor_owed():
    """When the bank collects a returned cashed check on re-presentment, the money pays
    the payor's account, which was charged the cash handed out; the NSF fee stays."""
    payor, _ = account_with("WATER")
    _, check, _ = cashed(payor)
    outcome = tender_return(tender=check, reason=reason("NSF"), represent=True)
    again = outcome.representment.payments.get()
    assert (again.account_id, again.amount, again.status) == (payor.pk, D("100.00"), "frozen")
    assert outcome.representment.tenders.get().represents_id == check.pk
    payor.refresh_from_db()
    assert payor.balance == D("25.00")
    assert list(ledger_breaches()) == []


# -- item 3: re-presentment on an account the NSF made cash only -----------------------


def test_representment_is_recorded_when_the_nsf_makes_the_account_cash_only():
    """Money the bank presents again is not a new tender to accept or refuse: the return
    and its re-presentment are recorded even though this NSF's points push the account
    to cash only. A new check from the account is still refused."""
    account, (water,) = account_with("WATER")
    bill(account, {water: 80}, bill_date=JAN)
    credit_event_add(
        account=account, reason="earlier returns", cash_only_points=80, effective_on=JAN
    )
    payment = pay(account, 80, tender="CHECK", day=dt.date(2026, 1, 20))
    tender = payment.event.tenders.get()
    outcome = tender_return(tender=tender, reason=reason("NSF"), represent=True)
    assert outcome.tender.status == Tender.Status.CANCELLED
    again = outcome.representment.payments.get()
    assert (again.status, again.account_id) == (Payment.Status.FROZEN, account.pk)
    assert outcome.representment.tenders.get().represents_id == tender.pk
    account.refresh_from_db()
    assert account.balance == D("25.00")
    assert list(ledger_breaches()) == []
    with pytest.raises(PaymentRefused, match="cash only"):
        pay(account, 10, tender="CHECK", day=timezone.localdate())


# -- item 5: NSF after every payment of the tender was cancelled -----------------------


def test_nsf_after_the_payments_were_cancelled_charges_the_first_payee():
    """Pay 25.00 to A, transfer it to B, cancel B's payment, then the check bounces: the
    tender's original payor (its event's first payee, A) bears the NSF fee, the credit
    rating event and the collection review, although no payment of the event is live."""
    a, (a_water,) = account_with("WATER")
    b, _ = account_with("WATER")
    payment = pay(a, 25, tender="CHECK")
    [moved] = payment_transfer(
        payment=payment,
        reason=reason("TRANSFER"),
        targets=[PaymentIn(account=b, amount=D("25.00"))],
    )
    payment_cancel(payment=moved, reason=reason("KEYERR"))
    tender_cancel(tender=payment.event.tenders.get(), reason=reason("NSF"))
    fee = Adjustment.objects.get()
    assert (fee.sa_id, fee.amount) == (a_water.pk, D("25.00"))
    assert CreditRatingEvent.objects.get().account_id == a.pk
    assert ToDoEntry.objects.get(todo_type__code="COLLREVIEW").account_id == a.pk
    assert list(ledger_breaches()) == []


# -- item 7: NSF reasons apply to check, ACH and card tenders --------------------------


@pytest.mark.parametrize("code", ["CASH", "MONEYORD"])
def test_nsf_cancel_of_a_cash_tender_is_refused(code):
    """Cash can't bounce: an NSF reason on a cash (or money order) tender is refused with
    a clear message, nothing is cancelled and no fee is charged."""
    account, _ = account_with("WATER")
    payment = pay(account, 15, tender=code)
    with pytest.raises(PaymentError, match="NSF reasons apply only to"):
        tender_cancel(tender=payment.event.tenders.get(), reason=reason("NSF"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FROZEN
    assert not Adjustment.objects.exists() and not CreditRatingEvent.objects.exists()


@pytest.mark.parametrize("code", ["CHECK", "CASHIERS", "ACH", "CARD"])
def test_nsf_cancel_of_check_ach_and_card_tenders_is_allowed(code):
    account, _ = account_with("WATER")
    payment = pay(account, 15, tender=code)
    tender_cancel(tender=payment.event.tenders.get(), reason=reason("NSF"))
    assert Adjustment.objects.get().amount == D("25.00")
    assert list(ledger_breaches()) == []


def test_which_tender_types_take_nsf_reasons_is_configured_per_type():
    """A utility that accepts post-dated money orders it can't collect flags the type; one
    that treats cashier's checks as good funds clears the flag."""
    money_order, cashiers = tender_type("MONEYORD"), tender_type("CASHIERS")
    money_order.nsf_allowed, cashiers.nsf_allowed = True, False
    money_order.save(update_fields=["nsf_allowed"])
    cashiers.save(update_fields=["nsf_allowed"])
    account, _ = account_with("WATER")
    tender_cancel(
        tender=pay(account, 15, tender="MONEYORD").event.tenders.get(), reason=reason("NSF")
    )
    with pytest.raises(PaymentError, match="NSF reasons apply only to"):
        tender_cancel(
            tender=pay(account, 15, tender="CASHIERS").event.tenders.get(), reason=reason("NSF")
        )
    # a non-NSF reason cancels any tender
    tender_cancel(
        tender=pay(account, 15, tender="CASH").event.tenders.get(), reason=reason("DUPLICATE")
    )
    assert list(ledger_breaches()) == []
