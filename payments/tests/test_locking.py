"""Two database connections racing on the same payment: exactly one wins, the ledger stays
sound (PostgreSQL row locks in the published order Account -> ... -> Payment)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from accounts.ledger_checks import ledger_breaches
from accounts.models import Adjustment, FinancialTransaction
from accounts.tests.test_locking import race
from payments.exceptions import PaymentStateError
from payments.models import Payment, PaymentEvent, Tender
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.services.cancel import payment_cancel, tender_cancel
from payments.services.events import DistributionMode, payment_delete
from payments.services.freeze import payment_freeze
from payments.tests.factories import account_with, bill, pay, reason, source, tender_type

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("pay_ref")]


def outcomes(results) -> list[str]:
    return sorted(kind for kind, _ in results)


def loser(results) -> Exception:
    return next(value for kind, value in results if kind == "error")


@pytest.fixture
def distributed():
    """An account owing 70.00 and an incomplete, distributed payment of 70.00."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    return pay(account, 70, mode=DistributionMode.MANUAL)


def test_two_freezes_post_once(distributed):
    results = race(
        lambda: payment_freeze(payment=distributed), lambda: payment_freeze(payment=distributed)
    )
    assert outcomes(results) == ["error", "ok"]
    assert isinstance(loser(results), PaymentStateError)
    assert "is frozen" in str(loser(results))
    assert FinancialTransaction.objects.filter(kind="pay_segment").count() == 2
    distributed.account.refresh_from_db()
    assert distributed.account.balance == D("0.00")
    assert list(ledger_breaches()) == []


def test_freeze_racing_delete_one_wins(distributed):
    results = race(
        lambda: payment_freeze(payment=distributed), lambda: payment_delete(payment=distributed)
    )
    assert outcomes(results) == ["error", "ok"]
    frozen = Payment.objects.filter(pk=distributed.pk, status="frozen").exists()
    deleted = not PaymentEvent.objects.exists()
    assert frozen != deleted
    assert FinancialTransaction.objects.filter(kind="pay_segment").count() == (2 if frozen else 0)
    assert list(ledger_breaches()) == []


def test_freeze_racing_tender_cancel_never_leaves_a_frozen_payment_on_a_dead_tender(distributed):
    """Whichever goes first, the end is a cancelled tender and a cancelled payment whose
    FTs, if any were posted, are reversed."""
    tender = distributed.event.tenders.get()
    race(
        lambda: payment_freeze(payment=distributed),
        lambda: tender_cancel(tender=tender, reason=reason("KEYERR")),
    )
    assert Tender.objects.get(pk=tender.pk).status == "cancelled"
    assert Payment.objects.get(pk=distributed.pk).status == "cancelled"
    distributed.account.refresh_from_db()
    assert distributed.account.balance == D("70.00")
    assert list(ledger_breaches()) == []


def test_two_cancels_of_one_payment_reverse_once():
    account, _ = account_with("WATER")
    payment = pay(account, 25)
    results = race(
        lambda: payment_cancel(payment=payment, reason=reason("KEYERR")),
        lambda: payment_cancel(payment=payment, reason=reason("DUPLICATE")),
    )
    assert outcomes(results) == ["error", "ok"]
    assert FinancialTransaction.objects.filter(kind="pay_cancel").count() == 1
    assert list(ledger_breaches()) == []


def test_two_nsf_returns_of_one_tender_charge_one_fee():
    account, (water,) = account_with("WATER")
    tender = pay(account, 25, tender="CHECK").event.tenders.get()
    results = race(
        lambda: tender_cancel(tender=tender, reason=reason("NSF")),
        lambda: tender_cancel(tender=tender, reason=reason("NSF")),
    )
    assert outcomes(results) == ["error", "ok"]
    assert Adjustment.objects.count() == 1
    assert list(ledger_breaches()) == []


def test_bulk_chunk_and_online_payment_on_one_account_both_post():
    """The account lock serialises them; each sees the other's effect on the debt."""
    account, (water,) = account_with("WATER")
    bill(account, {water: 100})
    item = BulkPayment(
        account_id=account.pk,
        amount=D("30.00"),
        tender_type_id=tender_type("CHECK").pk,
        accounting_date=dt.date(2026, 1, 15),
    )
    results = race(
        lambda: payments_post_bulk(items=[item], tender_source=source()),
        lambda: pay(account, 50),
    )
    assert outcomes(results) == ["ok", "ok"]
    account.refresh_from_db()
    assert account.balance == D("20.00")
    assert list(ledger_breaches()) == []
