"""Deposit and tender controls: open, balance, reopen (seed 003 steps 5.6/5.7, 6.1-6.6,
7.3; DESIGN §5). Counts and money totals are checked at each level."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from cis.money import ZERO, quantize

from ..exceptions import PaymentStateError
from ..lock_objects import deposit_control_qs_select_for_update, tender_control_qs_select_for_update
from ..models import (
    ControlAdjustment,
    ControlStatus,
    DepositControl,
    Tender,
    TenderControl,
    TenderSource,
)


@dataclass(frozen=True)
class BalanceOutcome:
    """Whether a control balanced; when not, it stays Balancing and `detail` says why."""

    control: DepositControl | TenderControl
    balanced: bool
    count: int
    total: Decimal
    detail: str = ""


@transaction.atomic
def deposit_control_create(
    *,
    deposit_date: date,
    description: str = "",
    expected_count: int | None = None,
    expected_total: Decimal | None = None,
    user=None,
) -> DepositControl:
    control = DepositControl(
        deposit_date=deposit_date,
        description=description,
        expected_count=expected_count,
        expected_total=expected_total,
        created_by=user,
    )
    control.full_clean(exclude=["status"])
    control.save()
    return control


@transaction.atomic
def tender_control_open(
    *,
    deposit_control: DepositControl,
    tender_source: TenderSource,
    cashier=None,
    expected_count: int | None = None,
    expected_total: Decimal | None = None,
) -> TenderControl:
    deposit = deposit_control_qs_select_for_update().get(pk=deposit_control.pk)
    if deposit.status != ControlStatus.OPEN:
        raise PaymentStateError(f"deposit control {deposit.pk} is {deposit.status}")
    control = TenderControl(
        deposit_control=deposit,
        tender_source=tender_source,
        cashier=cashier,
        expected_count=expected_count,
        expected_total=expected_total,
    )
    control.full_clean(exclude=["status"])
    control.save()
    return control


def _mismatch(
    expected_count: int | None, expected_total: Decimal | None, count: int, total: Decimal
) -> str:
    problems = []
    if expected_count is not None and expected_count != count:
        problems.append(f"expected {expected_count} tenders but holds {count}")
    if expected_total is not None and expected_total != total:
        problems.append(f"expected {expected_total} but holds {total}")
    return "; ".join(problems)


@transaction.atomic
def tender_control_balance(
    *,
    tender_control: TenderControl,
    counted_count: int | None = None,
    counted_total: Decimal | None = None,
    user=None,
) -> BalanceOutcome:
    """Close the drawer and check it: the valid tenders against what was counted (or the
    expected figures given at opening). A mismatch leaves it Balancing for a fix."""
    control = tender_control_qs_select_for_update().get(pk=tender_control.pk)
    if control.status == ControlStatus.OPEN:
        control.start_balancing(by=user)
    if control.status != ControlStatus.BALANCING:
        raise PaymentStateError(f"tender control {control.pk} is {control.status}")
    if counted_count is not None:
        control.expected_count = counted_count
    if counted_total is not None:
        control.expected_total = quantize(counted_total)
    sums = control.tenders.filter(status=Tender.Status.VALID).aggregate(
        n=Count("pk"), s=Sum("amount")
    )
    count, total = sums["n"], sums["s"] or ZERO
    detail = _mismatch(control.expected_count, control.expected_total, count, total)
    if not detail:
        control.balance(by=user)
        control.balanced_at = timezone.now()
        # The figures as balanced are final; `check_ledger` holds the control to them.
        control.expected_count, control.expected_total = count, total
    control.save(update_fields=["status", "expected_count", "expected_total", "balanced_at"])
    return BalanceOutcome(control, not detail, count, total, detail)


@transaction.atomic
def deposit_control_balance(*, deposit_control: DepositControl, user=None) -> BalanceOutcome:
    """seed 003 step 6.1: every tender control balanced, and their counts and totals add up
    to what the deposit expects."""
    deposit = deposit_control_qs_select_for_update().get(pk=deposit_control.pk)
    if deposit.status == ControlStatus.OPEN:
        deposit.start_balancing(by=user)
    if deposit.status != ControlStatus.BALANCING:
        raise PaymentStateError(f"deposit control {deposit.pk} is {deposit.status}")
    controls = list(tender_control_qs_select_for_update().filter(deposit_control=deposit))
    unbalanced = [c.pk for c in controls if c.status != ControlStatus.BALANCED]
    # Tenders cancelled after their drawer balanced still count: the drawer's figures are
    # final and the cancellation is a control adjustment of the deposit.
    sums = Tender.objects.filter(
        Q(status=Tender.Status.VALID) | Q(control_adjustment__isnull=False),
        tender_control__deposit_control=deposit,
    ).aggregate(n=Count("pk"), s=Sum("amount"))
    count, total = sums["n"], sums["s"] or ZERO
    detail = _mismatch(deposit.expected_count, deposit.expected_total, count, total)
    if unbalanced:
        detail = "; ".join(filter(None, [f"tender controls not balanced: {unbalanced}", detail]))
    if not detail:
        deposit.balance(by=user)
        deposit.balanced_at = timezone.now()
        deposit.expected_count, deposit.expected_total = count, total
    deposit.save(update_fields=["status", "expected_count", "expected_total", "balanced_at"])
    return BalanceOutcome(deposit, not detail, count, total, detail)


@transaction.atomic
def control_reopen(*, control: DepositControl | TenderControl, user=None):
    """Back to Open from Balancing, for corrections."""
    qs = (
        deposit_control_qs_select_for_update()
        if isinstance(control, DepositControl)
        else tender_control_qs_select_for_update()
    )
    control = qs.get(pk=control.pk)
    if control.status != ControlStatus.BALANCING:
        raise PaymentStateError(f"{control} is {control.status}: only Balancing reopens")
    control.reopen(by=user)
    control.save(update_fields=["status"])
    return control


def control_cancellation_record(*, tender: Tender, user=None) -> ControlAdjustment | None:
    """Called by `tender_cancel` once the tender is cancelled, under its locks. In an open
    drawer the cancelled tender simply stops counting; a drawer being balanced is refused
    (balance or reopen it first); in a balanced drawer the figures stay as balanced and the
    cancellation is recorded as its own adjustment of the deposit (seed 003 steps 6.4-6.6,
    7.3)."""
    if tender.tender_control_id is None:
        return None
    # The drawer's lock is enough: balancing a deposit locks its drawers too.
    control = tender_control_qs_select_for_update().get(pk=tender.tender_control_id)
    if control.status == ControlStatus.OPEN:
        return None
    if control.status == ControlStatus.BALANCING:
        raise PaymentStateError(
            f"tender control {control.pk} is balancing: balance or reopen it before "
            "cancelling its tenders"
        )
    adjustment = ControlAdjustment(
        tender_control=control,
        tender=tender,
        amount=-tender.amount,
        reason=tender.cancel_reason,
        created_by=user,
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment


def tender_controls_lock(*, control_ids, action: str) -> list[TenderControl]:
    """Lock the tender controls tenders are about to be added to or removed from and refuse
    unless each is open: a balancing or balanced control's counts and totals are final."""
    controls = list(tender_control_qs_select_for_update().filter(pk__in=set(control_ids)))
    for control in controls:
        if control.status != ControlStatus.OPEN:
            raise PaymentStateError(
                f"tender control {control.pk} is {control.status}: no tenders can be {action}"
            )
    return controls
