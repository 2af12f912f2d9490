"""Two database connections on the same payment or control: the second waits for the
first's row locks and then sees what the first did (PostgreSQL row locks in the published
order Account -> ... -> Payment -> Tender -> Deposit control -> Tender control).

`hold` makes the interleaving deterministic: the first service runs to the end of its work
in an open transaction, the second starts and runs until it finishes or waits for a lock,
and only then does the first commit. With the lock under test, the second waits and finds
the new state; without it, the second reads the old state and does the work again, which
each test's assertions catch. Every test here fails when its lock is removed (the test
names the lock; where two locks guard the same thing, removing one alone is covered by the
other, as the docstrings say)."""

import datetime as dt
import threading
import time
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.db import connection, transaction

from accounts.ledger_checks import ledger_breaches
from accounts.models import Adjustment, FinancialTransaction
from payments.exceptions import PaymentError, PaymentStateError
from payments.models import (
    ControlAdjustment,
    ControlStatus,
    Payment,
    PaymentEvent,
    Tender,
)
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.services.cancel import payment_cancel, tender_cancel
from payments.services.controls import (
    deposit_control_create,
    tender_control_balance,
    tender_control_open,
)
from payments.services.events import (
    DistributionMode,
    PaymentIn,
    TenderIn,
    payment_delete,
    payment_event_create,
    payment_event_delete,
)
from payments.services.freeze import payment_freeze
from payments.tests.factories import account_with, bill, pay, reason, source, tender_type

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("pay_ref")]

WAIT = 30.0  # seconds; far more than any service here needs, even on a loaded machine


@dataclass
class Held:
    first: tuple[str, object]
    second: tuple[str, object]
    # Whether the second waited for a lock while the first's transaction was open.
    blocked: bool

    def error(self, which: str = "second") -> Exception:
        kind, value = getattr(self, which)
        assert kind == "error", f"{which} did not fail: {value!r}"
        return value


def _backend_waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def hold(first, second) -> Held:
    """Run `first` in a transaction on one connection and keep it open while `second` runs
    on another, until `second` finishes or waits for a lock; then commit `first`."""
    state: dict = {}
    first_done, second_started, release = threading.Event(), threading.Event(), threading.Event()

    def run_first():
        try:
            with transaction.atomic():
                state["first"] = ("ok", first())
                first_done.set()
                release.wait(3 * WAIT)
        except Exception as exc:  # the outcome under test
            state["first"] = ("error", exc)
        finally:
            first_done.set()
            connection.close()

    def run_second():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                state["pid"] = cursor.fetchone()[0]
            second_started.set()
            state["second"] = ("ok", second())
        except Exception as exc:  # the outcome under test
            state["second"] = ("error", exc)
        finally:
            second_started.set()
            connection.close()

    a, b = threading.Thread(target=run_first), threading.Thread(target=run_second)
    a.start()
    first_done.wait(WAIT)
    b.start()
    second_started.wait(WAIT)
    blocked, deadline = False, time.monotonic() + WAIT
    while b.is_alive() and time.monotonic() < deadline and "pid" in state:
        if _backend_waits_for_a_lock(state["pid"]):
            blocked = True
            break
        time.sleep(0.01)
    release.set()
    a.join(3 * WAIT)
    b.join(3 * WAIT)
    return Held(state["first"], state["second"], blocked)


@pytest.fixture
def distributed():
    """An account owing 70.00 and an incomplete, distributed payment of 70.00."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    return pay(account, 70, mode=DistributionMode.MANUAL)


def test_two_freezes_post_once(distributed):
    """Account lock, then payment lock: the second freeze waits, then finds the payment
    frozen. Either lock alone serialises the two (same account, same payment); with both
    removed the payment is posted twice."""
    held = hold(
        lambda: payment_freeze(payment=distributed), lambda: payment_freeze(payment=distributed)
    )
    assert held.first[0] == "ok"
    assert isinstance(held.error(), PaymentStateError)
    assert "is frozen" in str(held.error())
    assert FinancialTransaction.objects.filter(kind="pay_segment").count() == 2
    distributed.account.refresh_from_db()
    assert distributed.account.balance == D("0.00")
    assert list(ledger_breaches()) == []


@pytest.mark.parametrize("freeze_first", [True, False], ids=["freeze-first", "delete-first"])
def test_freeze_racing_delete_one_wins(distributed, freeze_first):
    """Account and payment locks: a delete after a freeze finds it frozen; a freeze after a
    delete finds no payment. Neither leaves FTs without their payment. (Either lock alone
    serialises the two; with both removed this fails.)"""
    freeze = lambda: payment_freeze(payment=distributed)  # noqa: E731
    delete = lambda: payment_delete(payment=distributed)  # noqa: E731
    held = hold(freeze, delete) if freeze_first else hold(delete, freeze)
    assert held.first[0] == "ok"
    if freeze_first:
        assert isinstance(held.error(), PaymentStateError)
        assert "cancel it instead" in str(held.error())
    else:
        assert isinstance(held.error(), Payment.DoesNotExist)
    frozen = Payment.objects.filter(pk=distributed.pk, status="frozen").exists()
    assert frozen == freeze_first
    assert PaymentEvent.objects.exists() == freeze_first
    assert FinancialTransaction.objects.filter(kind="pay_segment").count() == (2 if frozen else 0)
    assert list(ledger_breaches()) == []


@pytest.mark.parametrize("freeze_first", [True, False], ids=["freeze-first", "cancel-first"])
def test_freeze_racing_tender_cancel_never_leaves_a_frozen_payment_on_a_dead_tender(
    distributed, freeze_first
):
    """Account, event and payment locks: whichever goes first, the end is a cancelled tender
    and a cancelled payment whose FTs, if any were posted, are reversed. (Removing the
    account, event, payment or tender lock alone still passes, the others serialise; with
    the account and payment locks removed this fails.)"""
    tender = distributed.event.tenders.get()
    freeze = lambda: payment_freeze(payment=distributed)  # noqa: E731
    cancel = lambda: tender_cancel(tender=tender, reason=reason("KEYERR"))  # noqa: E731
    held = hold(freeze, cancel) if freeze_first else hold(cancel, freeze)
    assert held.first[0] == "ok"
    if freeze_first:
        assert held.second[0] == "ok", held.second
    else:
        assert isinstance(held.error(), PaymentStateError)
    assert Tender.objects.get(pk=tender.pk).status == "cancelled"
    assert Payment.objects.get(pk=distributed.pk).status == "cancelled"
    distributed.account.refresh_from_db()
    assert distributed.account.balance == D("70.00")
    assert list(ledger_breaches()) == []


def test_two_cancels_of_one_payment_reverse_once():
    """Account and payment locks: the second cancel waits, then finds it cancelled. (Either
    lock alone serialises the two; with both removed this fails.)"""
    account, _ = account_with("WATER")
    payment = pay(account, 25)
    held = hold(
        lambda: payment_cancel(payment=payment, reason=reason("KEYERR")),
        lambda: payment_cancel(payment=payment, reason=reason("DUPLICATE")),
    )
    assert held.first[0] == "ok"
    assert isinstance(held.error(), PaymentStateError)
    assert FinancialTransaction.objects.filter(kind="pay_cancel").count() == 1
    assert list(ledger_breaches()) == []


def test_two_nsf_returns_of_one_tender_charge_one_fee():
    """Account, event, payment and tender locks: the second return waits, then finds the
    tender cancelled; one reversal, one NSF fee. (Removing the account, event or tender
    lock alone still passes, the others serialise; with all four removed this fails.)"""
    account, (water,) = account_with("WATER")
    tender = pay(account, 25, tender="CHECK").event.tenders.get()
    held = hold(
        lambda: tender_cancel(tender=tender, reason=reason("NSF")),
        lambda: tender_cancel(tender=tender, reason=reason("NSF")),
    )
    assert held.first[0] == "ok"
    assert "already cancelled" in str(held.error())
    assert Adjustment.objects.count() == 1
    assert FinancialTransaction.objects.filter(kind="pay_cancel").count() == 1
    assert list(ledger_breaches()) == []


@pytest.mark.parametrize("bulk_first", [True, False], ids=["bulk-first", "online-first"])
def test_bulk_chunk_and_online_payment_on_one_account_see_each_other(bulk_first):
    """The account lock serialises them: the second distributes against the debt the first
    left, so two payments of 50.00 against WATER 50.00 and SEWER 50.00 clear both SAs
    (unlocked, both would pay the same SA)."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 50, sewer: 50})
    item = BulkPayment(
        account_id=account.pk,
        amount=D("50.00"),
        tender_type_id=tender_type("CHECK").pk,
        accounting_date=dt.date(2026, 1, 15),
    )
    bulk = lambda: payments_post_bulk(items=[item], tender_source=source())  # noqa: E731
    online = lambda: pay(account, 50)  # noqa: E731
    held = hold(bulk, online) if bulk_first else hold(online, bulk)
    assert (held.first[0], held.second[0]) == ("ok", "ok"), held
    for sa in (account, water, sewer):
        sa.refresh_from_db()
        assert sa.balance == D("0.00"), sa
    assert list(ledger_breaches()) == []


# Controls: a balancing or balanced control's counts and totals are final ----------------


@pytest.fixture
def drawer():
    """An open drawer of an open deposit, holding one frozen check payment of 25.00."""
    deposit = deposit_control_create(deposit_date=dt.date(2026, 1, 15))
    control = tender_control_open(deposit_control=deposit, tender_source=source())
    account, (water,) = account_with("WATER")
    bill(account, {water: 100})
    payment_event_create(
        tender_source=source(),
        payment_date=dt.date(2026, 1, 15),
        tenders=[
            TenderIn(tender_type=tender_type("CHECK"), amount=D("25"), tender_control=control)
        ],
        payments=[PaymentIn(account=account, amount=D("25"))],
    )
    return control, account


def _add_online(control, account):
    return payment_event_create(
        tender_source=source(),
        payment_date=dt.date(2026, 1, 15),
        tenders=[TenderIn(tender_type=tender_type("CHECK"), amount=D("5"), tender_control=control)],
        payments=[PaymentIn(account=account, amount=D("5"))],
    )


def _add_bulk(control, account):
    item = BulkPayment(
        account_id=account.pk,
        amount=D("5.00"),
        tender_type_id=tender_type("CHECK").pk,
        accounting_date=dt.date(2026, 1, 15),
        tender_control_id=control.pk,
    )
    return payments_post_bulk(items=[item], tender_source=source())


@pytest.mark.parametrize("add", [_add_online, _add_bulk], ids=["online", "bulk"])
def test_no_tender_joins_a_drawer_while_it_balances(drawer, add):
    """Tender control lock on the online and the bulk path: a payment arriving while the
    drawer balances waits, then is refused; the drawer holds exactly what it balanced at."""
    control, account = drawer
    held = hold(
        lambda: tender_control_balance(tender_control=control), lambda: add(control, account)
    )
    assert held.first[0] == "ok" and held.first[1].balanced
    assert isinstance(held.error(), PaymentError)
    assert "balanced" in str(held.error()) or "not an open control" in str(held.error())
    assert Tender.objects.filter(tender_control=control).count() == 1
    assert list(ledger_breaches()) == []


def test_no_tender_leaves_a_drawer_while_it_balances(drawer):
    """Tender control lock when deleting an event: the delete waits, then is refused."""
    control, account = drawer
    event = payment_event_create(
        tender_source=source(),
        tenders=[TenderIn(tender_type=tender_type("CHECK"), amount=D("5"), tender_control=control)],
        payments=[PaymentIn(account=account, amount=D("5"))],
        mode=DistributionMode.DO_NOT_DISTRIBUTE,
    )
    held = hold(
        lambda: tender_control_balance(tender_control=control),
        lambda: payment_event_delete(event=event),
    )
    assert held.first[0] == "ok" and held.first[1].balanced
    assert "no tenders can be removed" in str(held.error())
    assert Tender.objects.filter(tender_control=control).count() == 2
    assert list(ledger_breaches()) == []


@pytest.mark.parametrize("balance_first", [True, False], ids=["balance-first", "cancel-first"])
def test_a_cancellation_racing_the_balance_is_counted_once(drawer, balance_first):
    """Tender control lock in `tender_cancel`: a cancellation after the balance becomes a
    control adjustment; one before it is simply not counted. Either way the drawer's
    figures equal its valid tenders plus adjustments."""
    control, _ = drawer
    tender = control.tenders.get()
    balance = lambda: tender_control_balance(tender_control=control)  # noqa: E731
    cancel = lambda: tender_cancel(tender=tender, reason=reason("NSF"))  # noqa: E731
    held = hold(balance, cancel) if balance_first else hold(cancel, balance)
    assert (held.first[0], held.second[0]) == ("ok", "ok"), held
    control.refresh_from_db()
    assert control.status == ControlStatus.BALANCED
    assert ControlAdjustment.objects.count() == (1 if balance_first else 0)
    assert control.expected_count == (1 if balance_first else 0)
    assert list(ledger_breaches()) == []
