"""Deposit and tender controls: open -> balancing -> balanced (DESIGN §5, seed 003 steps
5.6/5.7, 6.1-6.6)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django_fsm_log.models import StateLog

from payments.exceptions import PaymentStateError
from payments.models import ControlStatus
from payments.services.controls import (
    control_reopen,
    deposit_control_balance,
    deposit_control_create,
    tender_control_balance,
    tender_control_open,
)
from payments.services.events import PaymentIn, TenderIn, payment_event_create
from payments.tests.factories import account_with, source, tender_type

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
