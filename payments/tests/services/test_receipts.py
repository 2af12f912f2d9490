"""Receipts (seed 003 steps 3.5-3.7): short, long and bill-stub PDFs, DUPLICATE on reprints,
emailed with the PDF attached. PDF text read with pdftotext."""

import subprocess
from decimal import Decimal as D

import pytest
from django.core import mail

from payments.exceptions import PaymentStateError
from payments.models import ReceiptPrint
from payments.services.events import DistributionMode
from payments.services.receipts import receipt_email, receipt_print
from payments.tests.factories import account_with, bill, pay

pytestmark = pytest.mark.usefixtures("pay_ref")


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def payment():
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    return pay(account, 70, tender="CHECK")


def test_short_receipt_then_duplicate(payment):
    first = pdf_text(receipt_print(payment=payment, layout="short"))
    assert "Payment receipt" in first
    assert payment.account.number in first and "$70.00" in first
    assert "DUPLICATE" not in first
    again = pdf_text(receipt_print(payment=payment, layout="short"))
    assert "DUPLICATE" in again
    assert list(ReceiptPrint.objects.values_list("is_duplicate", flat=True)) == [False, True]


def test_long_receipt_lists_what_the_payment_paid(payment):
    text = pdf_text(receipt_print(payment=payment, layout="long"))
    assert "Water service" in text and "$40.00" in text
    assert "Sewer service" in text and "$30.00" in text
    assert "Account balance" in text


def test_bill_stub_receipt(payment):
    text = pdf_text(receipt_print(payment=payment, layout="stub"))
    assert "Payment stub" in text and "Detach" in text


def test_only_frozen_payments_have_receipts():
    account, _ = account_with("WATER")
    unfrozen = pay(account, D("5.00"), mode=DistributionMode.DO_NOT_DISTRIBUTE)
    with pytest.raises(PaymentStateError, match="only a frozen payment has a receipt"):
        receipt_print(payment=unfrozen)


def test_emailed_receipt_has_the_pdf_attached(payment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        receipt = receipt_email(payment=payment, to="jane@example.com", layout="long")
    assert receipt.emailed_to == "jane@example.com"
    [message] = mail.outbox
    assert message.to == ["jane@example.com"]
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == (f"receipt-{payment.pk}.pdf", "application/pdf")
    assert "$70.00" in pdf_text(content)
