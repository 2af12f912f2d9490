"""Freezing a payment the system distributed earlier plans it again on the debt as it is
at freeze (seed 003 steps 1.8, 2.7, 2.9; issue 7 item 2): the debt may have changed since
(a payment transferred away brings its debt back, another payment relieves it), and an
out-of-date plan would credit an overpayment while SAs still owe, or pay an SA past its
debt while another owes. Amounts a CSR entered per SA are the CSR's choice and are frozen
as entered."""

from decimal import Decimal as D

import pytest

from accounts.ledger_checks import ledger_breaches
from accounts.models import ServiceAgreement
from payments.models import Payment
from payments.services.distribution import payment_distribute
from payments.services.events import DistributionMode, PaymentIn
from payments.services.freeze import payment_freeze
from payments.services.transfer import payment_transfer
from payments.tests.factories import account_with, bill, pay, reason

pytestmark = pytest.mark.usefixtures("pay_ref")


def plan(payment) -> dict[str, tuple[D, bool]]:
    return {
        s.sa.sa_type.code: (s.amount, s.is_overpayment)
        for s in payment.segments.select_related("sa__sa_type")
    }


def transferred_away(payment) -> None:
    elsewhere, _ = account_with("WATER")
    payment_transfer(
        payment=payment,
        reason=reason("WRONGACCT"),
        targets=[PaymentIn(account=elsewhere, amount=payment.amount)],
    )


def test_overpayment_planned_when_nothing_was_owed_pays_the_debt_that_came_back():
    """The Hypothesis find: bill 40, pay 40, a manual-mode payment of 10 planned by the
    system (all overpayment then), the 40 transferred away: freezing the 10 relieves the
    40 owed again instead of crediting an overpayment."""
    account, (water,) = account_with("WATER")
    bill(account, {water: 40})
    paid = pay(account, 40)
    later = pay(account, 10, mode=DistributionMode.MANUAL)
    assert plan(later) == {"WATER": (D("10.00"), True)}
    transferred_away(paid)

    payment_freeze(payment=later)

    later.refresh_from_db()
    assert later.status == Payment.Status.FROZEN
    assert plan(later) == {"WATER": (D("10.00"), False)}
    water.refresh_from_db()
    assert water.balance == D("30.00")
    assert list(ledger_breaches()) == []


def test_plan_paying_a_debt_relieved_since_moves_to_the_debt_still_open():
    """Water owed 40 when the system planned the payment; another payment paid water
    meanwhile: at freeze the 40 pays sewer's 30 first and only the rest is overpayment,
    rather than pushing water into credit while sewer owes."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    later = pay(account, 40, mode=DistributionMode.MANUAL)
    assert plan(later) == {"WATER": (D("40.00"), False)}
    pay(account, 40)  # water paid off

    payment_freeze(payment=later)

    assert plan(later) == {"SEWER": (D("30.00"), False), "WATER": (D("10.00"), True)}
    sewer.refresh_from_db()
    assert sewer.balance == D("0.00")
    assert list(ledger_breaches()) == []


def test_plan_redistributed_by_rule_is_also_planned_again_at_freeze():
    """A payment the CSR sent back to the configured distribution is the system's plan."""
    account, (water,) = account_with("WATER")
    bill(account, {water: 40})
    paid = pay(account, 40)
    later = pay(account, 10, mode=DistributionMode.DO_NOT_DISTRIBUTE)
    payment_distribute(payment=later)
    transferred_away(paid)

    payment_freeze(payment=later)

    assert plan(later) == {"WATER": (D("10.00"), False)}


def test_csr_amounts_per_sa_are_frozen_as_entered():
    """seed 003 step 2.0: the CSR chose sewer; the debt that came back on water since does
    not move the CSR's amounts."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40})
    paid = pay(account, 40)
    later = pay(account, 10, mode=DistributionMode.MANUAL)
    payment_distribute(payment=later, sa_amounts={sewer: D("10.00")})
    transferred_away(paid)

    payment_freeze(payment=later)

    assert plan(later) == {"SEWER": (D("10.00"), False)}
    water.refresh_from_db()
    assert water.balance == D("40.00")


def test_csr_amounts_entered_with_the_payment_are_frozen_as_entered():
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40})
    paid = pay(account, 40)
    later = pay(account, 10, mode=DistributionMode.MANUAL, sa_amounts={sewer: D("10.00")})
    transferred_away(paid)

    payment_freeze(payment=later)

    assert plan(later) == {"SEWER": (D("10.00"), False)}


def test_unchanged_plan_freezes_as_planned_and_reuses_its_excess_credit_sa():
    """seed 003 step 2.9: the excess-credit SA created for the plan takes the overpayment
    again at freeze; no second one is created."""
    account, (sewer,) = account_with("SEWER")
    bill(account, {sewer: 25})
    later = pay(account, 40, mode=DistributionMode.MANUAL)
    planned = set(later.segments.values_list("pk", "sa_id", "amount"))

    payment_freeze(payment=later)

    assert set(later.segments.values_list("pk", "sa_id", "amount")) == planned
    assert plan(later) == {"SEWER": (D("25.00"), False), "EXCESS": (D("15.00"), True)}
    assert ServiceAgreement.objects.filter(account=account, sa_type__code="EXCESS").count() == 1
    assert list(ledger_breaches()) == []
