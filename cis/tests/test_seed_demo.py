"""The demo generator builds a sound, deterministic utility."""

import hashlib

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account, Bill, Customer, FinancialTransaction, Location

ARGS = ["--accounts", "40", "--seed", "7", "--as-of", "2026-11-25"]


class _Undo(Exception):
    pass


def fingerprint() -> str:
    rows = list(
        Account.objects.order_by("number").values_list(
            "number", "customer__last_name", "customer__business_name", "location__line1", "balance"
        )
    )
    rows += list(
        Bill.objects.order_by("account__number", "bill_date").values_list(
            "account__number", "bill_date", "total"
        )
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.django_db
def test_seed_demo_is_deterministic_and_sound():
    try:
        with transaction.atomic():
            call_command("seed_demo", *ARGS)
            first = fingerprint()
            assert Account.objects.count() == 40
            assert Bill.objects.filter(account__number="1000000001").count() == 12
            assert not Location.objects.filter(is_rental=True, owner__isnull=True).exists()
            assert Location.objects.filter(is_rental=True).exists()
            assert Customer.objects.filter(customer_type="individual").exclude(ssn="").exists()
            assert FinancialTransaction.objects.exists()
            assert list(ledger_breaches()) == []
            raise _Undo
    except _Undo:
        pass
    assert not Account.objects.exists()
    # the same seed on an empty database builds the same utility
    call_command("seed_demo", *ARGS)
    assert fingerprint() == first
    # and a second run leaves existing data alone
    call_command("seed_demo", *ARGS)
    assert Account.objects.count() == 40
