"""Adjustments post at once and are corrected only by a cancellation FT."""

from decimal import Decimal

import pytest

from accounts.models import Adjustment, FinancialTransaction
from accounts.services.adjustments import AdjustmentError, adjustment_cancel, adjustment_create
from accounts.tests.factories import AdjustmentTypeFactory, billed_sa


@pytest.fixture
def sa(db):
    return billed_sa(Decimal("100.00"))


def test_credit_adjustment_lowers_the_balance(sa):
    adjustment_create(
        sa=sa, adjustment_type=AdjustmentTypeFactory(), amount=Decimal("-25.00"), reason="courtesy"
    )
    sa.refresh_from_db()
    sa.account.refresh_from_db()
    assert sa.balance == Decimal("75.00")
    assert sa.account.balance == Decimal("75.00")


def test_cancel_posts_a_mirror_ft_and_keeps_the_original(sa):
    adjustment = adjustment_create(
        sa=sa, adjustment_type=AdjustmentTypeFactory(), amount=Decimal("12.50")
    )
    adjustment_cancel(adjustment=adjustment, reason="keyed twice")
    original = FinancialTransaction.objects.get(
        adjustment=adjustment, kind=FinancialTransaction.Kind.ADJUSTMENT
    )
    reversal = original.cancelled_by
    assert reversal.current_amount == Decimal("-12.50")
    assert original.current_amount == Decimal("12.50")
    assert [line.amount for line in reversal.gl_lines.order_by("pk")] == [
        -line.amount for line in original.gl_lines.order_by("pk")
    ]
    sa.refresh_from_db()
    assert sa.balance == Decimal("100.00")
    assert Adjustment.objects.get(pk=adjustment.pk).status == Adjustment.Status.CANCELLED


def test_cancel_twice_or_without_reason_is_refused(sa):
    adjustment = adjustment_create(
        sa=sa, adjustment_type=AdjustmentTypeFactory(), amount=Decimal("5.00")
    )
    with pytest.raises(AdjustmentError, match="reason"):
        adjustment_cancel(adjustment=adjustment, reason=" ")
    adjustment_cancel(adjustment=adjustment, reason="error")
    with pytest.raises(AdjustmentError, match="already cancelled"):
        adjustment_cancel(adjustment=adjustment, reason="again")
    sa.refresh_from_db()
    assert sa.balance == Decimal("100.00")
