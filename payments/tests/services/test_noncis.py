"""Non-CIS payments and check cashing (seed 003 step 1.3 and Cash Check)."""

from decimal import Decimal as D

import pytest
from django.db.models import Sum

from accounts.ledger_checks import ledger_breaches
from accounts.models import FinancialTransaction, GLAccount, GLLine
from payments.exceptions import PaymentError, PaymentRefused
from payments.models import DistributionCode, PaymentEvent
from payments.services.events import TenderIn
from payments.services.noncis import check_cash, non_cis_payment_create
from payments.tests.factories import account_with, source, tender_type

pytestmark = pytest.mark.usefixtures("pay_ref")


def test_non_cis_payment_credits_the_distribution_code_gl():
    """seed 003 step 1.3 (C1-NCPAY-FT): payer name, distribution code, comments; the FT
    credits the code's GL and debits cash."""
    code = DistributionCode.objects.get(code="PERMIT")
    event = non_cis_payment_create(
        tender_source=source(),
        tenders=[TenderIn(tender_type=tender_type("CHECK"), amount=D("150.00"))],
        payer_name="Acme Builders",
        distribution_code=code,
        comments="Hydrant meter permit",
    )
    payment = event.payments.get()
    assert (payment.status, payment.payer_name, payment.is_non_cis) == (
        "frozen",
        "Acme Builders",
        True,
    )
    ft = FinancialTransaction.objects.get(pay_segment__payment=payment)
    assert ft.description.endswith("(non-CIS PERMIT)")
    lines = dict(GLLine.objects.filter(ft=ft).values_list("gl_account__code", "amount"))
    assert lines == {code.gl_account.code: D("-150.00"), "1000": D("150.00")}
    assert list(ledger_breaches()) == []


def test_non_cis_payment_needs_a_payer():
    with pytest.raises(PaymentError, match="names who paid"):
        non_cis_payment_create(
            tender_source=source(),
            tenders=[TenderIn(tender_type=tender_type(), amount=D("5.00"))],
            payer_name=" ",
            distribution_code=DistributionCode.objects.get(code="MISC"),
        )


def test_check_cashing_keeps_check_and_negative_cash_tender_without_payment():
    """Cash Check steps 1.2-1.7: a check tender, the cash returned as a negative cash
    tender, no payment, nothing posted; the event balances at zero."""
    before = FinancialTransaction.objects.count()
    customer, _ = account_with("WATER")
    event = check_cash(
        tender_source=source(),
        check_type=tender_type("CHECK"),
        amount=D("200.00"),
        payor_account=customer,
        check_number="5521",
    )
    assert event.is_check_cashing and not event.payments.exists()
    assert sorted(event.tenders.values_list("tender_type__code", "amount")) == [
        ("CASH", D("-200.00")),
        ("CHECK", D("200.00")),
    ]
    assert event.tenders.aggregate(s=Sum("amount"))["s"] == 0
    assert FinancialTransaction.objects.count() == before
    assert list(ledger_breaches()) == []


def test_check_cashing_refused_for_a_no_checks_customer():
    customer, _ = account_with("WATER")
    customer.customer.disallowed_pay_methods = ["check"]
    customer.customer.save(update_fields=["disallowed_pay_methods"])
    with pytest.raises(PaymentRefused, match="does not accept check"):
        check_cash(
            tender_source=source(),
            check_type=tender_type("CHECK"),
            amount=D("20.00"),
            payor_account=customer,
        )
    assert not PaymentEvent.objects.exists()
    assert GLAccount.objects.filter(code="1000").exists()


def test_negative_tenders_only_for_check_cashing():
    account, _ = account_with("WATER")
    from payments.services.events import PaymentIn, payment_event_create

    with pytest.raises(PaymentError, match="negative tender"):
        payment_event_create(
            tender_source=source(),
            tenders=[
                TenderIn(tender_type=tender_type("CHECK"), amount=D("30.00")),
                TenderIn(tender_type=tender_type("CASH"), amount=D("-10.00")),
            ],
            payments=[PaymentIn(account=account, amount=D("20.00"))],
        )
