"""A CSR's work on upload exceptions (seed 003 steps 7.4-8.3; issue 9 item 5): correct a
payment line in Error (account, amount, accounting date) and set it Pending, re-check a
tender group or deposit whose totals disagreed, or transfer a payment the upload posted
to suspense (step 7.0) to the account it was meant for.

Each fix resolves the record's open exception, completes its To Do entry (TD-PYUPL,
`payments.upload.todo`) and writes the change history (accounts.services.changes: old and
new value, who and when). A corrected line's tender group and deposit are set back to a
state the next `payment_upload` run takes them from: a parent In progress is re-selected
until Complete (job.py); a parent in Error goes back to Pending, so its totals are checked
again with the corrected line. Nothing here posts money: the next run posts the line
through the bulk path, once (the job only takes lines with no payment yet), and a
suspense transfer goes through `payment_transfer`.

Locks follow the upload job's order: deposit staging -> tender staging -> payment staging,
then the exception and its To Do entry (the To Do job locks exceptions before creating
entries), so a fix waits for a chunk posting the same deposit and never crosses it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, ToDoEntry
from accounts.services.changes import Scope, changes_record, snapshot
from accounts.services.work import todo_complete
from cis.money import ZERO, money_format

from ..exceptions import PaymentError, PaymentStateError
from ..lock_objects import upload_exception_qs_select_for_update, upload_staging_lock
from ..models import (
    Payment,
    PaymentCancelReason,
    PaymentStaging,
    StagingStatus,
    TenderStaging,
    UploadException,
)
from ..services.events import PaymentIn
from ..services.transfer import payment_transfer
from .job import suspense_account
from .todo import exception_source

# What a correction may change on a payment line, and what it changes with it.
CORRECTED_FIELDS = ["account", "to_suspense", "amount", "accounting_date", "payment_date"]
STATE_FIELDS = ["status", "error_message", "updated_at"]


@dataclass(frozen=True)
class Correction:
    """The CSR's values. `account` None keeps the line's account (or, unresolved, what the
    file said: the upload sends an unknown account to suspense)."""

    amount: Decimal
    accounting_date: date
    account: Account | None = None
    comment: str = ""


def _locked_exception(exception: UploadException) -> UploadException:
    """The exception and its records, locked in the upload job's order."""
    exc = UploadException.objects.select_related(
        "payment_staging__tender_staging__deposit_staging",
        "tender_staging__deposit_staging",
        "deposit_staging",
    ).get(pk=exception.pk)
    if exc.payment_staging_id:
        tender = exc.payment_staging.tender_staging
        deposit_id, tender_id = tender.deposit_staging_id, tender.pk
    elif exc.tender_staging_id:
        deposit_id, tender_id = exc.tender_staging.deposit_staging_id, exc.tender_staging_id
    else:
        deposit_id, tender_id = exc.deposit_staging_id, None
    upload_staging_lock(
        deposit_id=deposit_id, tender_id=tender_id, payment_id=exc.payment_staging_id
    )
    exc = (
        upload_exception_qs_select_for_update()
        .select_related("payment_staging", "tender_staging", "deposit_staging", "resolved_by")
        .get(pk=exc.pk)
    )
    if exc.resolved_at is not None:
        who = exc.resolved_by.get_username() if exc.resolved_by else "the upload"
        raise PaymentStateError(
            f"This exception was already resolved by {who} at "
            f"{timezone.localtime(exc.resolved_at):%m/%d/%Y %H:%M}."
        )
    return exc


def _resolve(exc: UploadException, *, user, resolution: str) -> None:
    """Close the exception and its open To Do entry, with the history of both."""
    before = snapshot(exc, ["resolved_at", "resolved_by"])
    exc.resolved_at = timezone.now()
    exc.resolved_by = user
    exc.save(update_fields=["resolved_at", "resolved_by"])
    changes_record(instance=exc, before=before, user=user, scope=Scope())
    todos = ToDoEntry.objects.filter(source=exception_source(exc)).exclude(
        status=ToDoEntry.Status.COMPLETE
    )
    for todo in todos.order_by("pk"):
        todo_complete(todo=todo, user=user, resolution=resolution)


def _reopen(record, *, user, resolution: str) -> None:
    """A record in Error goes back to Pending (the next run checks it again) and its own
    open exception is resolved with the same words."""
    if record.status != StagingStatus.ERROR:
        return
    before = snapshot(record, ["status", "error_message"])
    record.retry(by=user)
    record.updated_at = timezone.now()
    record.save(update_fields=STATE_FIELDS)
    changes_record(instance=record, before=before, user=user, scope=Scope())
    field = "tender_staging" if isinstance(record, TenderStaging) else "deposit_staging"
    for exc in upload_exception_qs_select_for_update().filter(
        **{field: record, "resolved_at__isnull": True}
    ):
        _resolve(exc, user=user, resolution=resolution)


def _refusal(line: PaymentStaging) -> str:
    """Why the corrected line would fail the next run again ("" when it would post)."""
    if line.amount is None or line.amount <= ZERO:
        return "Enter an amount greater than zero."
    advices = sum((a.amount or ZERO for a in line.advices.all()), ZERO)
    if advices > line.amount:
        return (
            f"The line's pay advices for other accounts add up to {money_format(advices)}; "
            "the amount cannot be less."
        )
    if line.tender_type_id is None:
        return "The line has no tender type; it cannot be posted from this screen."
    account = line.account or Account.objects.filter(number=line.account_reference).first()
    closed = account is None or account.activity_status == Account.ActivityStatus.FINAL
    if closed and suspense_account() is None:
        return (
            f"Enter the account the payment is for: {line.account_reference or 'the file'}"
            " names no open account and no suspense account is configured."
        )
    return ""


@transaction.atomic
def upload_exception_correct(
    *, exception: UploadException, correction: Correction, user
) -> PaymentStaging:
    """Correct a payment line in Error and set it Pending (seed 003 step 8.3): the next
    `payment_upload` run posts it. Refused, with nothing saved, when the exception is
    resolved already, names no payment line, or the line would fail again."""
    exc = _locked_exception(exception)
    line = exc.payment_staging
    if line is None:
        raise PaymentError("This exception is about a tender group or deposit: re-check it.")
    if line.status != StagingStatus.ERROR:
        raise PaymentStateError(f"Line {line.line_number} is {line.get_status_display()}.")
    if line.payment_id or line.advices.filter(payment__isnull=False).exists():
        raise PaymentError(
            f"Part of line {line.line_number} was posted already; transfer that payment from "
            "the account's Payments tab instead."
        )
    before = snapshot(line, CORRECTED_FIELDS + ["status", "error_message"])
    if correction.account is not None:
        if correction.account.activity_status == Account.ActivityStatus.FINAL:
            raise PaymentError(
                f"Account {correction.account.number} is closed; the payment would go to "
                "suspense. Enter an open account."
            )
        line.account, line.to_suspense = correction.account, False
    line.amount = correction.amount
    line.accounting_date = correction.accounting_date
    if line.payment_date is None:
        line.payment_date = correction.accounting_date
    problem = _refusal(line)
    if problem:
        raise PaymentError(problem)
    line.retry(by=user)
    line.updated_at = timezone.now()
    line.save(update_fields=CORRECTED_FIELDS + STATE_FIELDS)
    changes_record(instance=line, before=before, user=user, scope=Scope(account=line.account))
    resolution = correction.comment or f"Line {line.line_number} corrected and set Pending."
    _resolve(exc, user=user, resolution=resolution)
    tender = line.tender_staging
    _reopen(tender, user=user, resolution=resolution)
    _reopen(tender.deposit_staging, user=user, resolution=resolution)
    return line


@transaction.atomic
def upload_exception_recheck(*, exception: UploadException, user, comment: str = ""):
    """A tender group or deposit whose totals disagreed goes back to Pending: the next run
    checks its figures again (and raises a new exception if they still disagree)."""
    exc = _locked_exception(exception)
    record = exc.tender_staging or exc.deposit_staging
    if record is None:
        raise PaymentError("This exception is about a payment line: correct the line.")
    if record.status != StagingStatus.ERROR:
        raise PaymentStateError(f"{record} is not in Error.")
    resolution = comment or f"{record} set Pending to be checked again."
    _reopen(record, user=user, resolution=resolution)
    # `_reopen` resolved it with its other open exceptions; a record out of Error already
    # (a line correction reopened it) is resolved here.
    exc.refresh_from_db(fields=["resolved_at"])
    if exc.resolved_at is None:
        _resolve(exc, user=user, resolution=resolution)
    return record


@transaction.atomic
def suspense_payment_transfer(
    *,
    line: PaymentStaging,
    account: Account,
    reason: PaymentCancelReason,
    user,
    comment: str = "",
) -> Payment:
    """Move a payment the upload posted to suspense (seed 003 step 7.0) to `account`,
    through `payment_transfer` (which locks the accounts and the payment and refuses a
    payment already moved); the line then names the account and the new payment."""
    line = PaymentStaging.objects.select_related("payment").get(pk=line.pk)
    if not line.to_suspense or line.payment is None:
        raise PaymentStateError(f"Line {line.line_number} is not a payment in suspense.")
    if account.pk == line.payment.account_id:
        raise PaymentError(f"The payment is on {account.number} already.")
    note = comment or f"Upload line {line.line_number}: the file said {line.account_reference!r}."
    moved = payment_transfer(
        payment=line.payment,
        reason=reason,
        targets=[PaymentIn(account=account, amount=line.payment.amount)],
        comment=note,
        user=user,
    )
    line = PaymentStaging.objects.select_for_update(of=("self",)).get(pk=line.pk)
    before = snapshot(line, ["account", "to_suspense", "payment"])
    line.account, line.to_suspense, line.payment = account, False, moved[0]
    line.updated_at = timezone.now()
    line.save(update_fields=["account", "to_suspense", "payment", "updated_at"])
    changes_record(instance=line, before=before, user=user, scope=Scope(account=account))
    return moved[0]
