"""tender_cancel racing a transfer that adds a payee to the event (PostgreSQL, separate
connections): every account whose ledger the cancel changes is locked by it first."""

import threading
from decimal import Decimal as D

import pytest
from django.db import DatabaseError, transaction

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account
from accounts.tests.test_locking import race
from payments.models import Payment
from payments.services import cancel
from payments.services.events import PaymentIn
from payments.services.transfer import payment_transfer
from payments.tests.factories import account_with, pay, reason

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("pay_ref")]
WAIT = 15


def test_tender_cancel_locks_a_payee_a_concurrent_transfer_added(monkeypatch):
    """A transfer commits after tender_cancel has read the event's payees but before it
    locks them, moving the payment from A to B. tender_cancel must see B and hold B's
    account lock before it reverses B's payment (published order: accounts first), so a
    third connection finds B locked at that moment. Fails when tender_cancel locks only
    the payees it read before locking."""
    a, _ = account_with("WATER")
    b, _ = account_with("WATER")
    payment = pay(a, 25, tender="CHECK")
    tender = payment.event.tenders.get()
    payees_read, transferred = threading.Event(), threading.Event()
    reversing, probed = threading.Event(), threading.Event()
    real_lock, real_reverse = cancel.accounts_lock, cancel.payments_reverse

    def lock_after_the_transfer(ids):
        if not payees_read.is_set():  # the first lock of tender_cancel: let the transfer in
            payees_read.set()
            transferred.wait(WAIT)
        return real_lock(ids)

    def reverse_after_the_probe(**kwargs):
        reversing.set()
        probed.wait(WAIT)
        return real_reverse(**kwargs)

    monkeypatch.setattr(cancel, "accounts_lock", lock_after_the_transfer)
    monkeypatch.setattr(cancel, "payments_reverse", reverse_after_the_probe)

    def transfer():
        payees_read.wait(WAIT)
        try:
            return payment_transfer(
                payment=payment,
                reason=reason("TRANSFER"),
                targets=[PaymentIn(account=b, amount=D("25.00"))],
            )
        finally:
            transferred.set()

    def probe() -> str:
        reversing.wait(WAIT)
        try:
            with transaction.atomic():
                list(Account.objects.select_for_update(nowait=True).filter(pk=b.pk))
            return "free"
        except DatabaseError:
            return "locked"
        finally:
            probed.set()

    results = race(
        lambda: cancel.tender_cancel(tender=tender, reason=reason("NSF")), transfer, probe
    )
    assert [kind for kind, _ in results] == ["ok", "ok", "ok"], results
    assert results[2][1] == "locked"
    assert not Payment.objects.filter(event=payment.event).exclude(status="cancelled").exists()
    assert list(ledger_breaches()) == []
