"""Transfer a frozen payment to other accounts or SAs (seed 003 steps 4.7/4.8): the payment
is cancelled and new payments on the same event take its money, each pointing back."""

from collections.abc import Sequence

from django.db import transaction

from cis.money import ZERO, money_format

from ..exceptions import PaymentError, PaymentStateError
from ..lock_objects import accounts_lock, event_qs_select_for_update, payment_qs_select_for_update
from ..models import Payment, PaymentCancelReason
from .cancel import payments_reverse
from .events import DistributionMode, PaymentIn, event_acceptance_check, payments_add


@transaction.atomic
def payment_transfer(
    *,
    payment: Payment,
    reason: PaymentCancelReason,
    targets: Sequence[PaymentIn],
    mode: str = DistributionMode.DISTRIBUTE_AND_FREEZE,
    comment: str = "",
    user=None,
) -> list[Payment]:
    """Move a frozen payment: targets name accounts and amounts (and, for a transfer to
    particular SAs, `sa_amounts`); they must add up to the payment so the event stays
    balanced. `mode` may leave the new payments for review and a separate freeze."""
    if reason.is_nsf:
        raise PaymentError(f"{reason.code} is a tender cancellation, not a transfer reason")
    if not targets:
        raise PaymentError("a transfer needs at least one target account")
    accounts_lock([payment.account_id, *(t.account.pk for t in targets)])
    event = event_qs_select_for_update().get(pk=payment.event_id)
    payment = payment_qs_select_for_update().get(pk=payment.pk)
    if payment.status != Payment.Status.FROZEN:
        raise PaymentStateError(
            f"payment {payment.pk} is {payment.status}: only a frozen payment is transferred"
        )
    total = sum((t.amount for t in targets), ZERO)
    if total != payment.amount:
        raise PaymentError(
            f"the transfer targets total {money_format(total)} but the payment is "
            f"{money_format(payment.amount)}"
        )
    event_acceptance_check(event, [t.account.pk for t in targets])
    payments_reverse(payments=[payment], reason=reason, comment=comment, user=user)
    return payments_add(
        event=event, payments=targets, mode=mode, user=user, transferred_from=payment
    )
