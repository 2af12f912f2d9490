"""Transfer a frozen payment to other accounts or SAs (seed 003 steps 4.7/4.8)."""

from decimal import Decimal as D

import pytest

from accounts.ledger_checks import ledger_breaches
from payments.exceptions import PaymentError, PaymentStateError
from payments.models import Payment
from payments.services.events import DistributionMode, PaymentIn
from payments.services.transfer import payment_transfer
from payments.tests.factories import account_with, bill, pay, reason

pytestmark = pytest.mark.usefixtures("pay_ref")


def test_transfer_to_another_account_cancels_and_links():
    """The wrong account's payment is cancelled; a new payment on the same event pays the
    right account and points back at it; both balances follow."""
    wrong, (w_water,) = account_with("WATER")
    right, (r_water,) = account_with("WATER")
    bill(right, {r_water: 50})
    payment = pay(wrong, 50)
    [moved] = payment_transfer(
        payment=payment,
        reason=reason("TRANSFER"),
        targets=[PaymentIn(account=right, amount=D("50.00"))],
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert (moved.transferred_from_id, moved.event_id, moved.status) == (
        payment.pk,
        payment.event_id,
        Payment.Status.FROZEN,
    )
    wrong.refresh_from_db()
    right.refresh_from_db()
    assert (wrong.balance, right.balance) == (D("0.00"), D("0.00"))
    assert list(ledger_breaches()) == []


def test_transfer_to_particular_sas_and_split_across_accounts():
    """Targets may name SA amounts (a transfer to SAs) and several accounts."""
    source, _ = account_with("WATER")
    a, (a_water, a_sewer) = account_with("WATER", "SEWER")
    b, _ = account_with("WATER")
    payment = pay(source, 100)
    moved = payment_transfer(
        payment=payment,
        reason=reason("TRANSFER"),
        targets=[
            PaymentIn(account=a, amount=D("60.00"), sa_amounts={a_sewer: D("60.00")}),
            PaymentIn(account=b, amount=D("40.00")),
        ],
    )
    assert [p.amount for p in moved] == [D("60.00"), D("40.00")]
    assert moved[0].segments.get().sa_id == a_sewer.pk
    assert list(ledger_breaches()) == []


def test_transfer_for_review_leaves_new_payments_unfrozen():
    """seed 003 step 4.8: review and manual distribution before freezing."""
    source, _ = account_with("WATER")
    target, _ = account_with("WATER")
    payment = pay(source, 30)
    [moved] = payment_transfer(
        payment=payment,
        reason=reason("TRANSFER"),
        targets=[PaymentIn(account=target, amount=D("30.00"))],
        mode=DistributionMode.MANUAL,
    )
    assert moved.status == Payment.Status.INCOMPLETE
    assert list(ledger_breaches()) == []


def test_transfer_must_move_the_whole_payment_of_a_frozen_payment():
    source, _ = account_with("WATER")
    target, _ = account_with("WATER")
    payment = pay(source, 30)
    with pytest.raises(PaymentError, match=r"targets total \$20\.00 but the payment is \$30\.00"):
        payment_transfer(
            payment=payment,
            reason=reason("TRANSFER"),
            targets=[PaymentIn(account=target, amount=D("20.00"))],
        )
    unfrozen = pay(source, 30, mode=DistributionMode.MANUAL)
    with pytest.raises(PaymentStateError, match="only a frozen payment is transferred"):
        payment_transfer(
            payment=unfrozen,
            reason=reason("TRANSFER"),
            targets=[PaymentIn(account=target, amount=D("30.00"))],
        )
