"""tender_cancelled -> the autopay clearing record follows its tender; stops.

A CSR cancelling an autopay tender by hand (external id AUTOPAY-<clearing id>) cancels
its clearing record (one not yet returned) and, when the cancel reason stops autopay,
stops the running enrollment. The returns import does its own bookkeeping: it marks the
clearing returned before the cancellation is announced, so here it is left alone.
"""

from django.db import transaction
from django.dispatch import receiver

from accounts.lock_objects import accounts_lock
from payments.signals import tender_cancelled

from ..models import Clearing, Enrollment, ReturnCodeRule
from ..services.enrollment import autopay_stop

SETTLED = (Clearing.Status.RETURNED, Clearing.Status.CANCELLED)


@receiver(tender_cancelled, dispatch_uid="autopay_tender_cancelled")
def tender_cancelled_follow(
    sender, *, tender_ids, reason_code="", stops_autopay=False, **kwargs
) -> None:
    ids = list(
        Clearing.objects.filter(tender_id__in=tender_ids)
        .exclude(status__in=SETTLED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        clearing_tender_cancelled(
            clearing_id=pk, reason_code=reason_code, stops_autopay=stops_autopay
        )


@transaction.atomic
def clearing_tender_cancelled(*, clearing_id: int, reason_code: str, stops_autopay: bool) -> None:
    clearing = Clearing.objects.get(pk=clearing_id)
    accounts_lock([clearing.account_id])
    clearing = Clearing.objects.select_for_update().get(pk=clearing_id)
    if clearing.status in SETTLED:
        return
    clearing.cancel()
    clearing.cancel_comment = f"Tender cancelled by hand ({reason_code})"[:200]
    clearing.save(update_fields=["status", "cancel_comment"])
    if not stops_autopay:
        return
    enrollment = Enrollment.objects.filter(
        account_id=clearing.account_id, stopped_on__isnull=True
    ).first()
    if enrollment is not None:
        rule = (
            ReturnCodeRule.objects.filter(cancel_reason__code=reason_code, stops_autopay=True)
            .order_by("code")
            .first()
        )
        reason = rule.stop_reason if rule else Enrollment.StopReason.OTHER
        autopay_stop(
            enrollment=enrollment,
            user=None,
            reason=reason,
            comment=f"Autopay tender cancelled ({reason_code})",
        )
