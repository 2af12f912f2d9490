"""`manage.py check_ledger` passes on a sound ledger and names the records of a breach."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Account, Bill
from accounts.tests.factories import billed_sa


def test_clean_ledger_passes(db, capsys):
    billed_sa(Decimal("19.99"))
    call_command("check_ledger")
    assert "ledger OK" in capsys.readouterr().out


def test_tampered_cached_balance_is_reported_by_account_number(db, capsys):
    sa = billed_sa(Decimal("19.99"))
    Account.objects.filter(pk=sa.account_id).update(balance=Decimal("5.00"))
    with pytest.raises(CommandError, match="breach"):
        call_command("check_ledger")
    err = capsys.readouterr().err
    assert f"account_balance_cache: Account {sa.account.number}" in err
    assert "cached 5.00 but FTs sum to 19.99" in err


def test_bill_total_differing_from_segments_is_reported(db, capsys):
    sa = billed_sa(Decimal("19.99"))
    bill = Bill.objects.get(account=sa.account)
    Bill.objects.filter(pk=bill.pk).update(total=Decimal("20.00"))
    with pytest.raises(CommandError):
        call_command("check_ledger")
    assert f"bill_total_matches_segments: Bill {bill.pk}" in capsys.readouterr().err
