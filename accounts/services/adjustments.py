"""Adjustments: charges and credits outside billing (NSF fee, courtesy credit...)."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..lock_objects import (
    account_qs_select_for_update,
    adjustment_qs_select_for_update,
    sa_qs_select_for_update,
)
from ..models import Adjustment, AdjustmentType, FinancialTransaction, ServiceAgreement
from .ledger import ledger_post, posting_for_sa, reversal_postings


class AdjustmentError(ValueError):
    pass


@transaction.atomic
def adjustment_create(
    *,
    sa: ServiceAgreement,
    adjustment_type: AdjustmentType,
    amount: Decimal,
    reason: str = "",
    user=None,
    accounting_date: date | None = None,
    arrears_date: date | None = None,
) -> Adjustment:
    """Post an adjustment at once (frozen). Positive charges, negative credits."""
    list(account_qs_select_for_update().filter(pk=sa.account_id))
    sa = sa_qs_select_for_update().select_related("sa_type").get(pk=sa.pk)
    adjustment = Adjustment(
        sa=sa, adjustment_type=adjustment_type, amount=amount, reason=reason, created_by=user
    )
    adjustment.full_clean(exclude=["status"])
    if adjustment.amount == 0:
        raise AdjustmentError("an adjustment amount cannot be zero")
    adjustment.save()
    day = accounting_date or timezone.localdate()
    ledger_post(
        postings=[
            posting_for_sa(
                sa=sa,
                offset_gl_id=adjustment_type.offset_gl_id,
                kind=FinancialTransaction.Kind.ADJUSTMENT,
                amount=adjustment.amount,
                accounting_date=day,
                arrears_date=(arrears_date or day) if amount > 0 else None,
                description=adjustment_type.description,
                adjustment_id=adjustment.pk,
            )
        ]
    )
    return adjustment


@transaction.atomic
def adjustment_cancel(
    *, adjustment: Adjustment, reason: str, accounting_date: date | None = None
) -> Adjustment:
    """Reverse an adjustment with a cancellation FT; the original FT stays untouched."""
    if not reason.strip():
        raise AdjustmentError("a cancel reason is required")
    list(account_qs_select_for_update().filter(pk=adjustment.sa.account_id))
    adjustment = adjustment_qs_select_for_update().get(pk=adjustment.pk)
    if adjustment.status != Adjustment.Status.FROZEN:
        raise AdjustmentError(f"adjustment {adjustment.pk} is already {adjustment.status}")
    original = adjustment.fts.filter(kind=FinancialTransaction.Kind.ADJUSTMENT)
    ledger_post(
        postings=reversal_postings(
            original,
            kind=FinancialTransaction.Kind.ADJUSTMENT_CANCEL,
            accounting_date=accounting_date or timezone.localdate(),
        )
    )
    adjustment.cancel()
    adjustment.cancel_reason = reason
    adjustment.save(update_fields=["status", "cancel_reason"])
    return adjustment
