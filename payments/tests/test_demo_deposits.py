"""The demo deposits step (issue 13 item 3): on `make run` a deposit held with interest, a
deposit billed, and a closed account whose deposit paid its final bill with a refund due."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account, DepositApplication, DepositInterest
from accounts.selectors import deposits_summary

AS_OF = dt.date(2026, 11, 25)


@pytest.mark.django_db
def test_demo_shows_deposits_held_billed_and_applied_to_a_final_bill():
    call_command("seed_demo", "--accounts", "80", "--seed", "11", "--as-of", AS_OF.isoformat())
    with_deposit = Account.objects.filter(agreements__sa_type__is_deposit=True).distinct()
    summary = deposits_summary(account_ids=with_deposit.values_list("pk", flat=True))
    statuses = sorted(s.status for s in summary.values())
    assert statuses == ["Billed", "Held", "Refund due"]
    held = next(s for s in summary.values() if s.status == "Held")
    # $150 with twelve months at 2.5%: about $3.75 of interest, booked month by month
    assert held.paid == Decimal("150.00")
    assert Decimal("3.50") < held.interest < Decimal("4.00")
    assert held.held == held.paid + held.interest
    assert DepositInterest.objects.filter(amount__gt=0).count() == 12 + 6
    application = DepositApplication.objects.get()
    closed = summary[application.account_id]
    assert application.account.activity_status == Account.ActivityStatus.FINAL
    assert application.applied > 0
    assert closed.refund_due == application.refund_due > 0
    assert closed.refund_due == Decimal("200.00") + closed.interest - application.applied
    assert list(ledger_breaches()) == []
