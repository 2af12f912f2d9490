"""Autopay payments a CSR handles by hand (seed 001 steps 3.1-4.9).

- `clearing_create_manual` (3.3-3.8): an autopay payment now, for the account's running
  enrollment: the amount defaults from the amount option (3.5) and may be overridden
  (3.7); dates from today. No cut to the maximum withdrawal (step 1.9's note: the system
  does not reduce an amount a CSR creates). With `freeze` (3.4, "fully automatically")
  the payment is distributed and frozen at once; without, it waits as created for
  `clearing_freeze` (3.9, 4.8).
- `clearing_freeze` (4.8-4.9): created -> frozen, posting the payment (or retrying one
  a failed distribution left in Error).
- `clearing_redistribute` (4.6-4.7): before the extract, the frozen payment is cancelled
  with a reason and the same tender paid again, by the default distribution or by the
  CSR's amounts per SA.
- `clearing_delete` (4.3-4.5): before the extract; its tender (and so its payment) is
  cancelled, the record is cancelled with the CSR's comment: nothing reaches the bank.

Permissions: creating needs autopay.add_clearing, the others autopay.change_clearing.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Bill, ServiceAgreement
from accounts.selectors import latest_statement_balance
from cis.money import ZERO, quantize
from payments.lock_objects import accounts_lock
from payments.models import Payment, PaymentCancelReason
from payments.selectors import acceptance_infos
from payments.services.cancel import payment_cancel, tender_cancel
from payments.services.events import DistributionMode, PaymentIn, payment_add, payment_retry

from ..lock_objects import clearing_qs_select_for_update
from ..models import Clearing, Enrollment
from .amounts import autopay_amount
from .creation import (
    budget_amounts,
    eligible_balances,
    enrollment_refusal,
    tender_categories,
    unposted_amounts,
)
from .dates import autopay_dates
from .posting import clearings_post
from .states import clearings_move

Status = Clearing.Status
BEFORE_EXTRACT = (Status.PENDING, Status.CREATED, Status.FROZEN, Status.ACTIVATED)
ADD_PERMISSION = "autopay.add_clearing"
CHANGE_PERMISSION = "autopay.change_clearing"
DEFAULT_CANCEL_REASON = "KEYERR"


def _require(user, permission: str) -> None:
    if user is None or not user.has_perm(permission):
        raise PermissionDenied


def _running_enrollment(account: Account, today: dt.date) -> Enrollment:
    enrollment = Enrollment.objects.filter(account=account, stopped_on__isnull=True).first()
    if enrollment is None or not enrollment.is_running_on(today):
        raise ValidationError("This account has no automatic payment in effect today.")
    return enrollment


def clearing_default_amount(*, account: Account, today: dt.date | None = None) -> Decimal:
    """What the running enrollment's option drafts now (seed 001 step 3.5): the owed
    amount on autopay-eligible SAs less autopays not yet posted, the cap, the fixed amount,
    or the budget / latest statement."""
    today = today or timezone.localdate()
    enrollment = _running_enrollment(account, today)
    owed = eligible_balances(account_ids=[account.pk]).get(account.pk, ZERO)
    owed -= unposted_amounts(account_ids=[account.pk]).get(account.pk, ZERO)
    statement = (
        latest_statement_balance(account=account)
        if enrollment.amount_option == Enrollment.AmountOption.REQUIRED
        else None
    )
    return autopay_amount(
        option=enrollment.amount_option,
        amount=enrollment.amount,
        balance=owed,
        statement_balance=statement,
        budget_amount=budget_amounts(account_ids=[account.pk], on=today).get(account.pk),
    ).amount


def _due_on(account: Account, today: dt.date) -> dt.date:
    """The latest bill's due date, when still ahead; else as soon as possible."""
    due = (
        Bill.objects.filter(account=account, status=Bill.Status.COMPLETE)
        .order_by("-bill_date", "-pk")
        .values_list("due_date", flat=True)
        .first()
    )
    return due if due and due > today else today


def _refusal_check(enrollment: Enrollment, account: Account, today: dt.date) -> None:
    info = acceptance_infos(account_ids=[account.pk], as_of=today).get(account.pk)
    refusal = enrollment_refusal(
        enrollment=enrollment,
        customer_type=account.customer.customer_type,
        acceptance=info,
        category=tender_categories()[enrollment.kind],
    )
    if refusal:
        raise ValidationError(f"No automatic payment for this account: {refusal}.")


@transaction.atomic
def clearing_create_manual(
    *,
    account: Account,
    user,
    amount: Decimal | None = None,
    today: dt.date | None = None,
    freeze: bool = True,
) -> Clearing:
    """An autopay payment now for the account's running enrollment (module docstring)."""
    _require(user, ADD_PERMISSION)
    (account,) = accounts_lock([account.pk])
    today = today or timezone.localdate()
    enrollment = _running_enrollment(account, today)
    _refusal_check(enrollment, account, today)
    if amount is None:
        amount = clearing_default_amount(account=account, today=today)
        if amount <= 0:
            raise ValidationError("Nothing to draft: enter the amount to draft.")
    amount = quantize(Decimal(amount))
    if amount <= 0:
        raise ValidationError({"amount": "The amount must be more than zero."})
    dates = autopay_dates(
        due_on=_due_on(account, today), today=today, notify_in_advance=enrollment.notify_in_advance
    )
    clearing = Clearing(
        enrollment=enrollment,
        account=account,
        kind=enrollment.kind,
        status=Status.CREATED,
        amount=amount,
        extract_on=dates.extract_on,
        gl_distribution_on=dates.gl_distribution_on,
        payment_on=dates.payment_on,
        notice_due=enrollment.notify_in_advance
        and enrollment.amount_option != Enrollment.AmountOption.FIXED,
        created_by=user,
    )
    clearing.save()
    if freeze:
        clearings_post(clearings=[clearing], user=user)
    return _locked(clearing)


def _locked(clearing: Clearing) -> Clearing:
    return clearing_qs_select_for_update().get(pk=clearing.pk)


def _lock(clearing: Clearing, allowed: tuple[str, ...], action: str) -> Clearing:
    """Account first, then the clearing (the published lock order); refuse a clearing
    that left the states `allowed` meanwhile."""
    accounts_lock([clearing.account_id])
    clearing = _locked(clearing)
    if clearing.status not in allowed:
        raise ValidationError(
            f"This automatic payment is {clearing.get_status_display().lower()}: "
            f"it cannot be {action}."
        )
    return clearing


@transaction.atomic
def clearing_freeze(*, clearing: Clearing, user) -> Clearing:
    """seed 001 step 4.8: distribute and freeze a created autopay payment."""
    _require(user, CHANGE_PERMISSION)
    clearing = _lock(clearing, (Status.CREATED,), "frozen")
    if clearing.payment_id is None:
        result = clearings_post(clearings=[clearing], user=user)
        if clearing.pk in result.refused:
            raise ValidationError(f"The payment was refused: {result.refused[clearing.pk]}")
        if clearing.pk in result.failed:
            raise ValidationError(f"The payment was not distributed: {result.failed[clearing.pk]}")
        return _locked(clearing)
    payment = Payment.objects.get(pk=clearing.payment_id)
    if payment.status == Payment.Status.ERROR:
        payment = payment_retry(payment=payment, user=user)
    if payment.status != Payment.Status.FROZEN:
        raise ValidationError(f"The payment is still not distributed: {payment.error_message}")
    clearings_move(
        ids=[clearing.pk], sources=[Status.CREATED], target=Status.FROZEN, transition="freeze"
    )
    return _locked(clearing)


def _reason(code: str) -> PaymentCancelReason:
    reason = PaymentCancelReason.objects.filter(code=code, is_nsf=False).first()
    if reason is None:
        raise ValidationError({"reason": f"{code} is not a payment cancel reason (non-NSF)."})
    return reason


@transaction.atomic
def clearing_redistribute(
    *,
    clearing: Clearing,
    user,
    reason_code: str = DEFAULT_CANCEL_REASON,
    comment: str = "",
    sa_amounts: Mapping[ServiceAgreement, Decimal] | None = None,
) -> Clearing:
    """seed 001 steps 4.6-4.7: cancel the frozen payment and pay the same tender again
    (same amount and accounting date), before the extract."""
    _require(user, CHANGE_PERMISSION)
    clearing = _lock(clearing, (Status.FROZEN, Status.ACTIVATED), "redistributed")
    old = Payment.objects.select_related("event").get(pk=clearing.payment_id)
    payment_cancel(
        payment=old,
        reason=_reason(reason_code),
        comment=comment or f"Autopay {clearing.pk} redistributed",
        user=user,
    )
    new = payment_add(
        event=old.event,
        payment=PaymentIn(
            account=Account.objects.get(pk=clearing.account_id),
            amount=clearing.amount,
            accounting_date=clearing.gl_distribution_on,
            sa_amounts=sa_amounts,
        ),
        mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
        user=user,
    )
    if new.status != Payment.Status.FROZEN:
        raise ValidationError(f"The new distribution failed: {new.error_message}")
    Clearing.objects.filter(pk=clearing.pk).update(payment=new)
    return _locked(clearing)


@transaction.atomic
def clearing_delete(
    *, clearing: Clearing, user, comment: str, reason_code: str = DEFAULT_CANCEL_REASON
) -> Clearing:
    """seed 001 steps 4.3-4.5: an autopay payment not yet extracted is taken back: its
    tender and payment are cancelled (the ledger nets to nothing), the record cancelled
    with the CSR's comment, so the extract never sends it."""
    _require(user, CHANGE_PERMISSION)
    if not comment.strip():
        raise ValidationError({"comment": "Say why the automatic payment is deleted."})
    clearing = _lock(clearing, BEFORE_EXTRACT, "deleted")
    source = clearing.status
    Clearing.objects.filter(pk=clearing.pk).update(cancel_comment=comment.strip()[:200])
    clearings_move(
        ids=[clearing.pk], sources=[source], target=Status.CANCELLED, transition="cancel", user=user
    )
    if clearing.tender_id is not None:
        tender_cancel(
            tender=clearing.tender, reason=_reason(reason_code), comment=comment, user=user
        )
    return _locked(clearing)
