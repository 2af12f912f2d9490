"""The ledger refuses what NUMERIC(14,2) can't hold (issue 7 item 15): a posting that would
push a cached SA or account balance past 999,999,999,999.99 is a domain error (the API's
400), never a database error, and leaves nothing behind."""

from decimal import Decimal

import pytest

from accounts.ledger_checks import ledger_breaches
from accounts.models import AdjustmentType, FinancialTransaction, ServiceAgreement
from accounts.services.adjustments import adjustment_create
from accounts.services.ledger import LedgerOverflow
from accounts.tests.factories import ServiceAgreementFactory
from cis.errors import DomainError

pytestmark = pytest.mark.usefixtures("reference_data")

NEAR_LIMIT = Decimal("999999999999.99")


def test_a_posting_that_would_overflow_a_balance_is_refused():
    # given an SA whose balance is as large as the ledger holds
    sa = ServiceAgreementFactory()
    misc = AdjustmentType.objects.get(code="MISC")
    adjustment_create(sa=sa, adjustment_type=misc, amount=NEAR_LIMIT)
    fts = FinancialTransaction.objects.count()
    # when one more cent is charged
    with pytest.raises(LedgerOverflow) as exc:
        adjustment_create(sa=sa, adjustment_type=misc, amount=Decimal("0.01"))
    # then it is refused as a business rule, and nothing of it is kept
    assert isinstance(exc.value, DomainError)
    assert "would exceed what the ledger can hold" in str(exc.value)
    assert FinancialTransaction.objects.count() == fts
    assert ServiceAgreement.objects.get(pk=sa.pk).balance == NEAR_LIMIT
    assert list(ledger_breaches()) == []


def test_a_credit_that_would_overflow_is_refused_too():
    sa = ServiceAgreementFactory()
    credit = AdjustmentType.objects.get(code="CREDIT")
    adjustment_create(sa=sa, adjustment_type=credit, amount=-NEAR_LIMIT)
    with pytest.raises(LedgerOverflow):
        adjustment_create(sa=sa, adjustment_type=credit, amount=Decimal("-1.00"))
    assert list(ledger_breaches()) == []


def test_an_account_balance_overflows_before_its_sas_do():
    """Two SAs each within bounds, but their account's cached balance would overflow."""
    first = ServiceAgreementFactory()
    second = ServiceAgreementFactory(account=first.account)
    misc = AdjustmentType.objects.get(code="MISC")
    adjustment_create(sa=first, adjustment_type=misc, amount=NEAR_LIMIT)
    with pytest.raises(LedgerOverflow, match="account"):
        adjustment_create(sa=second, adjustment_type=misc, amount=Decimal("5.00"))
    assert ServiceAgreement.objects.get(pk=second.pk).balance == 0
    assert list(ledger_breaches()) == []
