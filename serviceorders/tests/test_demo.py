"""The demo's service orders (`make run`): a disconnected account that owes, whose
real-time payment of its past due reconnects it (seed 000's example)."""

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account
from accounts.selectors import account_aging
from serviceorders.models import ServiceOrder

AS_OF = dt.date(2026, 11, 25)


@pytest.mark.django_db
def test_demo_has_a_disconnected_account_owing_that_a_processor_payment_reconnects(
    django_capture_on_commit_callbacks,
):
    call_command("seed_demo", "--accounts", "60", "--seed", "11", "--as-of", AS_OF.isoformat())
    shut_off = Account.objects.filter(service_status=Account.ServiceStatus.SHUT_OFF, balance__gt=0)
    account = next(
        a
        for a in shut_off
        if ServiceOrder.objects.filter(account=a, kind="disconnect", status="completed").exists()
    )
    past_due = account_aging(account=account).past_due
    assert past_due > 0
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "processor_send",
            "--processor",
            "paymentus",
            "--account",
            account.number,
            "--amount",
            str(past_due),
        )
    order = ServiceOrder.objects.get(account=account, kind="reconnect")
    assert order.status == ServiceOrder.Status.OPEN
    assert list(ledger_breaches()) == []
