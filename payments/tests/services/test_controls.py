"""Deposit and tender controls: open -> balancing -> balanced (DESIGN §5, seed 003 steps
5.6/5.7, 6.1-6.6)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django_fsm_log.models import StateLog

from accounts.ledger_checks import ledger_breaches
from payments.exceptions import PaymentError, PaymentStateError
from payments.models import ControlAdjustment, ControlStatus
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.services.cancel import tender_cancel
from payments.services.controls import (
    control_reopen,
    deposit_control_balance,
    deposit_control_create,
    tender_control_balance,
    tender_control_open,
)
from payments.services.events import (
    PaymentIn,
    TenderIn,
    payment_delete,
    payment_event_create,
    payment_event_delete,
)
from payments.tests.factories import account_with, reason, source, tender_type

pytestmark = pytest.mark.usefixtures("pay_ref")


def take(control, account, amount):
    return payment_event_create(
        tender_source=control.tender_source,
        tenders=[TenderIn(tender_type=tender_type(), amount=D(amount), tender_control=control)],
        payments=[PaymentIn(account=account, amount=D(amount))],
    )


def test_drawer_balances_when_counts_and_totals_agree():
    deposit = deposit_control_create(deposit_date=dt.date(2026, 1, 15), expected_total=D("75"))
    drawer = tender_control_open(deposit_control=deposit, tender_source=source())
    account, _ = account_with("WATER")
    take(drawer, account, "25.00")
    take(drawer, account, "50.00")
    # given a miscount, the drawer stays Balancing and says why
    outcome = tender_control_balance(tender_control=drawer, counted_count=3, counted_total=D("70"))
    assert not outcome.balanced
    assert outcome.control.status == ControlStatus.BALANCING
    assert "expected 3 tenders but holds 2" in outcome.detail
    assert "expected 70.00 but holds 75.00" in outcome.detail
    # no new tenders while balancing
    with pytest.raises(PaymentStateError, match="is balancing"):
        take(drawer, account, "5.00")
    # a recount balances it; the deposit then balances too
    outcome = tender_control_balance(tender_control=drawer, counted_count=2, counted_total=D("75"))
    assert outcome.balanced and outcome.control.balanced_at
    assert deposit_control_balance(deposit_control=deposit).balanced
    assert StateLog.objects.filter(transition="balance").count() == 2


def test_deposit_waits_for_its_drawers_and_reopens():
    deposit = deposit_control_create(deposit_date=dt.date(2026, 1, 15))
    drawer = tender_control_open(deposit_control=deposit, tender_source=source())
    outcome = deposit_control_balance(deposit_control=deposit)
    assert not outcome.balanced and "not balanced" in outcome.detail
    deposit = control_reopen(control=deposit)
    assert deposit.status == ControlStatus.OPEN
    with pytest.raises(PaymentStateError, match="only Balancing reopens"):
        control_reopen(control=drawer)


def test_no_drawer_opens_in_a_closed_deposit():
    deposit = deposit_control_create(deposit_date=dt.date(2026, 1, 15))
    deposit_control_balance(deposit_control=deposit)
    with pytest.raises(PaymentStateError):
        tender_control_open(deposit_control=deposit, tender_source=source())


# A balanced control's counts and totals are final (seed 003 steps 6.4-6.6, 7.3) ---------


@pytest.fixture
def balanced_drawer():
    """A deposit whose one drawer balanced with two check tenders (25.00 and 50.00)."""
    deposit = deposit_control_create(deposit_date=dt.date(2026, 1, 15))
    drawer = tender_control_open(deposit_control=deposit, tender_source=source())
    account, _ = account_with("WATER")
    events = [
        payment_event_create(
            tender_source=source(),
            tenders=[
                TenderIn(tender_type=tender_type("CHECK"), amount=D(a), tender_control=drawer)
            ],
            payments=[PaymentIn(account=account, amount=D(a))],
            mode=mode,
        )
        for a, mode in (("25.00", "distribute_and_freeze"), ("50.00", "do_not_distribute"))
    ]
    outcome = tender_control_balance(tender_control=drawer)
    assert outcome.balanced
    return deposit, outcome.control, account, events


def test_balancing_records_the_figures_it_balanced_at(balanced_drawer):
    """Without counted figures, the drawer balances at what it holds, and keeps them."""
    _, drawer, _, _ = balanced_drawer
    drawer.refresh_from_db()
    assert (drawer.expected_count, drawer.expected_total) == (2, D("75.00"))


def test_deleting_an_event_never_takes_tenders_out_of_a_balanced_drawer(balanced_drawer):
    """An unfrozen event in a balanced drawer stays: its tender is part of the count."""
    _, drawer, _, (_, unfrozen) = balanced_drawer
    with pytest.raises(PaymentStateError, match="is balanced: no tenders can be removed"):
        payment_event_delete(event=unfrozen)
    with pytest.raises(PaymentStateError, match="is balanced: no tenders can be removed"):
        payment_delete(payment=unfrozen.payments.get())
    assert drawer.tenders.count() == 2
    assert list(ledger_breaches()) == []


def test_bulk_posting_into_a_balanced_drawer_is_refused(balanced_drawer):
    _, drawer, account, _ = balanced_drawer
    item = BulkPayment(
        account_id=account.pk,
        amount=D("5.00"),
        tender_type_id=tender_type("CHECK").pk,
        accounting_date=dt.date(2026, 1, 15),
        tender_control_id=drawer.pk,
    )
    with pytest.raises(PaymentError, match="not an open control"):
        payments_post_bulk(items=[item], tender_source=source())
    assert drawer.tenders.count() == 2


def test_nsf_in_a_balanced_drawer_is_an_adjustment_of_the_deposit(
    balanced_drawer, django_user_model
):
    """The drawer keeps its figures as balanced; finance sees the returned check as its own
    row, and the deposit still balances at what its drawers balanced at."""
    deposit, drawer, _, (frozen, _) = balanced_drawer
    user = django_user_model.objects.create_user("finance")
    tender = frozen.tenders.get()
    tender_cancel(tender=tender, reason=reason("NSF"), user=user)
    adjustment = ControlAdjustment.objects.get()
    assert (adjustment.tender_control, adjustment.tender, adjustment.amount) == (
        drawer,
        tender,
        D("-25.00"),
    )
    assert (adjustment.reason.code, adjustment.created_by) == ("NSF", user)
    drawer.refresh_from_db()
    assert (drawer.status, drawer.expected_count, drawer.expected_total) == (
        ControlStatus.BALANCED,
        2,
        D("75.00"),
    )
    outcome = deposit_control_balance(deposit_control=deposit)
    assert outcome.balanced and (outcome.count, outcome.total) == (2, D("75.00"))
    assert list(ledger_breaches()) == []


def test_a_drawer_being_balanced_refuses_cancellations_until_balanced_or_reopened():
    deposit = deposit_control_create(deposit_date=dt.date(2026, 1, 15))
    drawer = tender_control_open(deposit_control=deposit, tender_source=source())
    account, _ = account_with("WATER")
    event = take(drawer, account, "25.00")
    assert not tender_control_balance(tender_control=drawer, counted_count=5).balanced
    with pytest.raises(PaymentStateError, match="is balancing: balance or reopen it"):
        tender_cancel(tender=event.tenders.get(), reason=reason("KEYERR"))
    assert event.tenders.get().status == "valid"
    # reopened, the drawer takes the correction and no adjustment is needed
    control_reopen(control=drawer)
    tender_cancel(tender=event.tenders.get(), reason=reason("KEYERR"))
    assert not ControlAdjustment.objects.exists()
    assert list(ledger_breaches()) == []


def test_check_ledger_reports_a_balanced_drawer_that_changed(balanced_drawer):
    """A tender cancelled behind the services' back (no adjustment) breaks the drawer's
    figures, and check_ledger names it."""
    _, drawer, _, (frozen, _) = balanced_drawer
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE payments_tender SET status = 'cancelled', cancel_reason_id = %s WHERE id = %s",
            [reason("KEYERR").pk, frozen.tenders.get().pk],
        )
    breaches = [b for b in ledger_breaches() if b.check == "tender_control_balanced_figures"]
    assert [b.record for b in breaches] == [f"TenderControl {drawer.pk}"]
    assert "balanced at 2 tenders of 75.00 but holds 1 of 50.00" in breaches[0].detail
