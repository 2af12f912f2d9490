"""Receipts print the balance after this payment, as money (issue 8 item 5): a customer
keeps the receipt as proof of what they owed once it was paid, so a reprint next month
must not show next month's balance, and "-$1,000.00" is a credit, never "$-1000.00"."""

import datetime as dt
import subprocess

import pytest

from accounts.ledger_checks import ledger_breaches
from payments.services.receipts import receipt_print
from payments.tests.factories import account_with, bill, pay

pytestmark = pytest.mark.usefixtures("pay_ref")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.parametrize("layout", ["long", "stub"])
def test_the_receipt_shows_the_balance_after_this_payment(layout):
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 2000, sewer: 70})
    first = pay(account, 70, day=dt.date(2026, 1, 15))
    second = pay(account, 3000, day=dt.date(2026, 1, 20))  # overpays: a $1,000 credit

    text = pdf_text(receipt_print(payment=first, layout=layout))
    assert "$2,000.00" in text  # after the first payment, whatever came later
    assert "-$1,000.00" not in text and "$-" not in text
    text = pdf_text(receipt_print(payment=second, layout=layout))
    assert "-$1,000.00" in text and "$3,000.00" in text
    assert "alance after" in text
    assert list(ledger_breaches()) == []
