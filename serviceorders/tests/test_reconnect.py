"""Auto-reconnect on payment_frozen (issue 11 item 4, seed 000) and the cancel of pending
disconnects a payment cures (item 5). Every shut-off account that pays gets one decision."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account
from payments.services.cancel import payment_cancel
from payments.tests.factories import account_with, bill, pay, reason
from serviceorders.models import ReconnectDecision, ReconnectOptions, ServiceOrder
from serviceorders.selectors import reconnect_report
from serviceorders.services.orders import service_order_complete, service_order_dispatch

from .builders import order, shut_off, tier

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("so_ref")]

R = ReconnectDecision.Reason


@pytest.fixture
def disconnected():
    """Owes 70.00 past due (billed 2026-01-01, due 01-22); disconnected with an eligible tier."""
    account, (water,) = account_with("WATER")
    bill(account, {water: 70})
    shut_off(account)
    return account


def reconnects(account):
    return ServiceOrder.objects.filter(account=account, kind="reconnect")


def decision(payment):
    return ReconnectDecision.objects.get(payment=payment)


def options(**fields) -> ReconnectOptions:
    opts = ReconnectOptions.load()
    for name, value in fields.items():
        setattr(opts, name, value)
    opts.save()
    return opts


def test_paying_the_past_due_creates_a_reconnect_order(
    disconnected, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(disconnected, 70)
    (so,) = reconnects(disconnected)
    assert so.status == ServiceOrder.Status.OPEN and so.origin == "payment"
    assert so.order_class.code == "RECONNECT"
    assert so.effective_date == payment.event.payment_date
    assert so.source_payment == payment
    d = decision(payment)
    assert d.reconnected and d.reason == R.RECONNECTED and d.order == so
    assert d.seconds_to_order is not None and d.seconds_to_order >= 0
    # seed 000: once the crew completes it, the account is connected
    service_order_complete(order=so)
    disconnected.refresh_from_db()
    assert disconnected.service_status == Account.ServiceStatus.CONNECTED


def test_tier_not_eligible_records_why_and_creates_nothing(django_capture_on_commit_callbacks):
    account, (water,) = account_with("WATER")
    bill(account, {water: 70})
    shut_off(account, "FIELD")
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(account, 70)
    assert not reconnects(account).exists()
    d = decision(payment)
    assert not d.reconnected and d.reason == R.TIER_NOT_ELIGIBLE and "FIELD" in d.reason_text


def test_shut_off_without_a_disconnect_order(django_capture_on_commit_callbacks):
    account, (water,) = account_with("WATER", service_status=Account.ServiceStatus.SHUT_OFF)
    bill(account, {water: 70})
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(account, 70)
    assert decision(payment).reason == R.NO_DISCONNECT_ORDER
    assert not reconnects(account).exists()


def test_partial_payment_below_the_past_due_rule(disconnected, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(disconnected, 30)
    assert not reconnects(disconnected).exists()
    d = decision(payment)
    assert d.reason == R.RULE_NOT_MET and "past due 40.00" in d.reason_text


def test_minimum_rule(disconnected, django_capture_on_commit_callbacks):
    options(rule=ReconnectOptions.Rule.MINIMUM, minimum_amount="25.00")
    with django_capture_on_commit_callbacks(execute=True):
        small = pay(disconnected, 20)
        enough = pay(disconnected, 25)
    assert decision(small).reason == R.RULE_NOT_MET
    assert decision(enough).reason == R.RECONNECTED


def test_full_balance_rule(django_capture_on_commit_callbacks):
    options(rule=ReconnectOptions.Rule.FULL_BALANCE)
    account, (water,) = account_with("WATER")
    bill(account, {water: 70})
    shut_off(account)
    bill(account, {water: 50}, bill_date=timezone.localdate())  # current, not past due
    with django_capture_on_commit_callbacks(execute=True):
        past_due_only = pay(account, 70)
    with django_capture_on_commit_callbacks(execute=True):
        rest = pay(account, 50)
    assert decision(past_due_only).reason == R.RULE_NOT_MET
    assert decision(rest).reason == R.RECONNECTED


def test_ach_is_held_until_the_job_runs_after_the_hold(
    disconnected, django_capture_on_commit_callbacks
):
    options(ach_hold_days=3)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(disconnected, 70, tender="ACH", day=today)
    d = decision(payment)
    assert d.reason == R.HELD and d.held_until == today + dt.timedelta(days=3)
    assert not reconnects(disconnected).exists()

    def run(day):
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "runbatch", "reconnect_held_payments", "--date", day.isoformat(), stdout=StringIO()
            )

    run(today + dt.timedelta(days=2))
    assert not reconnects(disconnected).exists()
    assert decision(payment).reason == R.HELD
    run(today + dt.timedelta(days=3))
    (so,) = reconnects(disconnected)
    d = decision(payment)
    assert d.reconnected and d.order == so and d.held_until is None


def test_cash_is_not_held(disconnected, django_capture_on_commit_callbacks):
    options(ach_hold_days=3)
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(disconnected, 70, day=timezone.localdate())
    assert decision(payment).reconnected


def test_held_payment_cancelled_before_the_hold_ends(
    disconnected, django_capture_on_commit_callbacks
):
    options(ach_hold_days=3)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(disconnected, 70, tender="ACH", day=today)
    assert decision(payment).reason == R.HELD
    with django_capture_on_commit_callbacks(execute=True):
        payment_cancel(payment=payment, reason=reason("KEYERR"))
        call_command(
            "runbatch",
            "reconnect_held_payments",
            "--date",
            (today + dt.timedelta(days=3)).isoformat(),
            stdout=StringIO(),
        )
    assert decision(payment).reason == R.PAYMENT_CANCELLED
    assert not reconnects(disconnected).exists()


def test_two_payments_make_one_reconnect(disconnected, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = pay(disconnected, 70)
        second = pay(disconnected, 10)
    assert reconnects(disconnected).count() == 1
    assert decision(first).reason == R.RECONNECTED
    assert decision(second).reason == R.OPEN_RECONNECT_EXISTS


def test_connected_account_gets_no_decision(django_capture_on_commit_callbacks):
    account, (water,) = account_with("WATER")
    bill(account, {water: 70})
    with django_capture_on_commit_callbacks(execute=True):
        pay(account, 70)
    assert not ReconnectDecision.objects.filter(account=account).exists()


def test_bulk_path_reconnects_too(disconnected, django_capture_on_commit_callbacks):
    from payments.services.bulk import BulkPayment, payments_post_bulk

    assert BulkPayment and payments_post_bulk  # the nightly file posts through the bulk path
    # the bulk path sends payment_frozen with every payment id, like the online path
    from payments.services.freeze import frozen_announce

    payment = pay(disconnected, 70)  # frozen, its signal not run (outside the capture)
    ReconnectDecision.objects.all().delete()
    ServiceOrder.objects.filter(kind="reconnect").delete()
    with django_capture_on_commit_callbacks(execute=True):
        frozen_announce(payment_ids=[payment.pk], account_ids=[disconnected.pk])
    assert decision(payment).reconnected


def test_a_repeated_signal_decides_nothing_twice(disconnected, django_capture_on_commit_callbacks):
    from payments.services.freeze import frozen_announce

    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(disconnected, 70)
        frozen_announce(payment_ids=[payment.pk], account_ids=[disconnected.pk])
    assert reconnects(disconnected).count() == 1
    assert ReconnectDecision.objects.filter(payment=payment).count() == 1


def test_curing_payment_cancels_an_open_disconnect(django_capture_on_commit_callbacks):
    account, (water,) = account_with("WATER")
    bill(account, {water: 70})
    pending = order(account, "DISCNP", tier_status=tier("NOTICE"))
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(account, 70)
    pending.refresh_from_db()
    assert pending.status == ServiceOrder.Status.CANCELLED
    assert f"payment {payment.pk}" in pending.cancel_reason


def test_partial_payment_or_dispatched_disconnect_stays(django_capture_on_commit_callbacks):
    account, (water,) = account_with("WATER")
    bill(account, {water: 70})
    pending = order(account, "DISCNP")
    dispatched = service_order_dispatch(order=order(account, "DISCNP"))
    with django_capture_on_commit_callbacks(execute=True):
        pay(account, 30)
    pending.refresh_from_db()
    assert pending.status == ServiceOrder.Status.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        pay(account, 40)
    pending.refresh_from_db()
    dispatched.refresh_from_db()
    assert pending.status == ServiceOrder.Status.CANCELLED
    assert dispatched.status == ServiceOrder.Status.DISPATCHED


def test_pending_disconnect_cancel_can_be_switched_off(django_capture_on_commit_callbacks):
    options(cancel_pending_disconnects=False)
    account, (water,) = account_with("WATER")
    bill(account, {water: 70})
    pending = order(account, "DISCNP")
    with django_capture_on_commit_callbacks(execute=True):
        pay(account, 70)
    pending.refresh_from_db()
    assert pending.status == ServiceOrder.Status.OPEN


def test_daily_report_lists_the_days_decisions(disconnected, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(disconnected, 70)
    rows = list(reconnect_report(on=timezone.localdate()))
    assert [r.payment for r in rows] == [payment]
    assert not reconnect_report(on=timezone.localdate() - dt.timedelta(days=1)).exists()


def test_report_command_prints_csv(disconnected, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pay(disconnected, 70)
    out = StringIO()
    call_command("reconnect_report", "--date", timezone.localdate().isoformat(), stdout=out)
    header, row = out.getvalue().splitlines()
    assert header.startswith("decided_at,account,payment")
    assert f",{disconnected.number}," in row and ",yes,reconnected," in row


def test_a_payment_on_a_connected_account_with_no_disconnect_costs_one_query(
    django_assert_num_queries,
):
    """Every online payment runs the receiver after commit (issue 7's online path): for the
    common account, neither shut off nor with a pending disconnect, one query and done."""
    from serviceorders.services.reconnect import payments_frozen_handle

    account, (water,) = account_with("WATER")
    bill(account, {water: 70})
    payment = pay(account, 70)
    with django_assert_num_queries(1):
        payments_frozen_handle(payment_ids=[payment.pk], account_ids=[account.pk])
    assert not ReconnectDecision.objects.exists()
