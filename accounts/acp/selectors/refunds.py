"""The History tab's refunds: the account's refunds and what this user may do with them."""

from ...models import Refund
from ...panel import PanelContext
from ...services.refunds import APPROVE_PERMISSION, REQUEST_PERMISSION, refund_credit_available


def refunds_history_context(ctx: PanelContext) -> dict:
    user = ctx.user
    can_approve = user.has_perm(APPROVE_PERMISSION)
    refunds = list(
        Refund.objects.filter(account=ctx.account).select_related("requested_by", "approved_by")
    )
    for refund in refunds:
        refund.may_decide = can_approve and refund.is_open and refund.requested_by_id != user.pk
        refund.may_cancel = (
            refund.status == Refund.Status.REQUESTED
            and (refund.requested_by_id == user.pk or can_approve)
        ) or (refund.status == Refund.Status.APPROVED and can_approve)
    return {
        "refunds": refunds,
        "can_request_refund": user.has_perm(REQUEST_PERMISSION),
        "refund_credit": refund_credit_available(account=ctx.account),
    }
