"""Card autopays on their extract date (seed 001 step 5.7 for cards; DESIGN §7): charged
through the processor adapter instead of a NACHA file.

Approved: the clearing is Extracted with the processor's charge reference, in the card
AchExtract of the run and effective date (no file; the balance controls job gives it its
tender control). Declined or expired: the tender is cancelled (reason CARDDECL, so the
payment is reversed), the clearing is Cancelled and a CSR gets a To Do.

Never charged twice: the charge carries the idempotency key `AUTOPAY-<clearing id>`, which
every adapter must honour (`CardProcessor.charge`: a repeat answers the original result
and charges nothing more). A run that dies after the processor charged but before the
commit leaves the clearing Activated; the re-run asks again with the same key and records
the original answer. An Extracted or Cancelled clearing is never selected again.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from accounts.services.work import todo_create
from cis.bulk import transaction_lock
from payments.models import PaymentCancelReason
from payments.processors import ChargeResult, InvalidCardToken, card_processor
from payments.services.cancel import tender_cancel

from ..models import AchExtract, Clearing, Enrollment

DECLINE_REASON = "CARDDECL"
DECLINE_TODO_TYPE = "AUTOPAYCARD"
# pg_advisory_xact_lock key: one card extract per run and effective date, however many
# chunks find it at once.
_CARD_EXTRACT_LOCK = 0x0A5C_CA4D


def cards_due(business_date: date):
    return Clearing.objects.filter(
        kind=Enrollment.Kind.CARD,
        status=Clearing.Status.ACTIVATED,
        extract_on__lte=business_date,
    )


def card_charge_key(clearing: Clearing) -> str:
    return f"AUTOPAY-{clearing.pk}"


def _charge(clearing: Clearing) -> ChargeResult:
    enrollment = clearing.enrollment
    try:
        processor = card_processor(enrollment.processor or "sandbox")
        return processor.charge(
            token=enrollment.card_token,
            amount=clearing.amount,
            reference=card_charge_key(clearing),
            idempotency_key=card_charge_key(clearing),
        )
    except InvalidCardToken as error:
        return ChargeResult(approved=False, code="invalid_token", message=str(error))


def _decline(clearing: Clearing, result: ChargeResult) -> None:
    """The card said no: the payment made at freeze time is undone and a CSR calls."""
    why = f"{result.code}: {result.message}" if result.message else result.code
    reason = PaymentCancelReason.objects.get(code=DECLINE_REASON)
    tender_cancel(tender=clearing.tender, reason=reason, comment=f"Autopay card {why}")
    clearing.cancel()
    clearing.charge_reference = why[:80]
    clearing.cancel_comment = f"Card {why}"[:200]
    clearing.save(update_fields=["status", "charge_reference", "cancel_comment"])
    enrollment = clearing.enrollment
    todo_create(
        type_code=DECLINE_TODO_TYPE,
        subject=f"Autopay card {result.code}: {clearing.amount} not collected",
        detail=(
            f"The {enrollment.card_brand} card ending {enrollment.card_last4} was refused "
            f"({why}) for the automatic payment of {clearing.amount} due "
            f"{clearing.payment_on}. The payment was cancelled; ask the customer to pay "
            "another way or to update the card."
        ),
        account=clearing.account,
        source=f"autopay.Clearing:{clearing.pk}",
    )


def _card_extract(*, business_date: date, effective_on: date, batch_run) -> AchExtract:
    """The open card extract of the run and effective date (one without a tender
    control yet), created once."""
    transaction_lock(_CARD_EXTRACT_LOCK)
    extract = (
        AchExtract.objects.select_for_update()
        .filter(
            kind=Enrollment.Kind.CARD,
            business_date=business_date,
            effective_on=effective_on,
            batch_run=batch_run,
            tender_control__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    if extract is None:
        extract = AchExtract.objects.create(
            kind=Enrollment.Kind.CARD,
            business_date=business_date,
            effective_on=effective_on,
            batch_run=batch_run,
        )
    return extract


def _record_approved(approved: list[Clearing], business_date: date, batch_run) -> None:
    for effective_on in sorted({c.gl_distribution_on for c in approved}):
        group = [c for c in approved if c.gl_distribution_on == effective_on]
        extract = _card_extract(
            business_date=business_date, effective_on=effective_on, batch_run=batch_run
        )
        for clearing in group:
            clearing.extract = extract
            clearing.save(update_fields=["status", "charge_reference", "extract"])
        AchExtract.objects.filter(pk=extract.pk).update(
            entry_count=F("entry_count") + len(group),
            total=F("total") + sum((c.amount for c in group), Decimal("0.00")),
        )


@transaction.atomic
def card_clearings_charge(
    *, clearings: list[Clearing], business_date: date, batch_run=None
) -> tuple[list[Clearing], list[Clearing]]:
    """Charge activated card clearings (locked by the caller); returns (approved,
    declined)."""
    approved, declined = [], []
    for clearing in clearings:
        if clearing.status != Clearing.Status.ACTIVATED:
            continue
        result = _charge(clearing)
        if result.approved:
            clearing.mark_extracted()
            clearing.charge_reference = result.transaction_id[:80]
            approved.append(clearing)
        else:
            _decline(clearing, result)
            declined.append(clearing)
    _record_approved(approved, business_date, batch_run)
    return approved, declined
