"""Refunds of credit balances and deposits (issue 13 item 2; README "Refunds").

A refund only ever takes credit that is there: it is a charge on SAs whose balance is
negative, each at most up to zero, so no SA's balance goes past zero the wrong way, and
never more than the account's own credit (the account's balance stays at or below zero).
Which SAs, in order:

- source "credit": excess-credit SAs (EXCESS) first, then overpayment-eligible SAs, then
  the other SAs with a credit; deposit SAs never (a deposit held is not a credit);
- source "deposit" (the deposits work calls it): deposit SAs first, then as "credit".

`refund_request` refuses more than the credit not already claimed by other requested
refunds, and raises a REFUNDAPPR To Do for the Supervisors. `refund_approve` (someone
other than the requester, holding `accounts.approve_refund`) takes the Account -> SA
locks, finds the credit again and posts one REFUND FT per SA against GL 2300 Refunds
payable. `refunds_checks_pay` then writes the check register (checks); the ACH credit file
is autopay's (`autopay_refunds_ach` job), which marks its refunds paid with
`refunds_mark_paid`.
"""

import csv
import hashlib
import io
import logging
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from stdnum.us import rtn

from cis.bulk import transaction_lock
from cis.errors import DomainError
from cis.money import ZERO, quantize

from ..lock_objects import (
    account_qs_select_for_update,
    refund_qs_select_for_update,
    sa_qs_select_for_update,
)
from ..models import (
    Account,
    FinancialTransaction,
    GLAccount,
    Refund,
    ServiceAgreement,
    ToDoEntry,
)
from ..selectors import mailing_address
from .ledger import ledger_post, posting_for_sa, reversal_postings
from .work import todo_complete, todo_create

log = logging.getLogger(__name__)

REQUEST_PERMISSION = "accounts.add_refund"
APPROVE_PERMISSION = "accounts.approve_refund"
TODO_TYPE = "REFUNDAPPR"
REFUNDS_PAYABLE_GL = "2300"
FIRST_CHECK_NUMBER = 100001
# pg_advisory_xact_lock key: check numbers are handed out one register at a time.
_CHECK_NUMBER_LOCK = 0x2EF_0DC4


class RefundError(DomainError):
    """A refund the rules refuse (more than the credit, wrong state, same approver)."""


# Credit ----------------------------------------------------------------------------


def _credit_sas(account_id: int, source: str, *, lock: bool = False) -> list[ServiceAgreement]:
    """The account's SAs with a credit balance, in the order a refund takes them."""
    qs = sa_qs_select_for_update() if lock else ServiceAgreement.objects.order_by("pk")
    sas = list(qs.filter(account_id=account_id, balance__lt=0).select_related("sa_type"))
    if source != Refund.Source.DEPOSIT:
        sas = [sa for sa in sas if not sa.sa_type.is_deposit]

    def rank(sa: ServiceAgreement) -> tuple:
        t = sa.sa_type
        deposit_first = 0 if (source == Refund.Source.DEPOSIT and t.is_deposit) else 1
        return (deposit_first, not t.is_excess_credit, not t.is_overpayment_eligible, sa.pk)

    return sorted(sas, key=rank)


def refund_credit_available(*, account: Account, source: str = Refund.Source.CREDIT) -> Decimal:
    """The credit a new refund may take: the credit SAs' credit, at most the account's
    own credit (an account that owes on one SA what another holds refunds only the
    difference), less what requested refunds of the account already claim."""
    credit = -sum((sa.balance for sa in _credit_sas(account.pk, source)), ZERO)
    balance = Account.objects.filter(pk=account.pk).values_list("balance", flat=True).first()
    credit = min(credit, max(-(balance or ZERO), ZERO))
    claimed = Refund.objects.filter(account=account, status=Refund.Status.REQUESTED).aggregate(
        s=Sum("amount")
    )["s"]
    return max(quantize(credit - (claimed or ZERO)), ZERO)


def refund_allocation(
    sas: list[ServiceAgreement], amount: Decimal
) -> list[tuple[ServiceAgreement, Decimal]]:
    """(SA, amount) pairs taking `amount` from the credit SAs in order, each at most its
    credit. Raises RefundError when their credit is less than `amount`."""
    left = amount
    pairs = []
    for sa in sas:
        if left <= 0:
            break
        take = min(left, -sa.balance)
        if take > 0:
            pairs.append((sa, take))
            left -= take
    if left > 0:
        raise RefundError(
            f"the account's credit is {-sum((sa.balance for sa in sas), ZERO)}, "
            f"less than the refund of {amount}"
        )
    return pairs


# Request ---------------------------------------------------------------------------


def _payee_default(account: Account) -> dict:
    source = mailing_address(account=account)
    return {
        "payee_name": account.customer.display_name[:120],
        "payee_line1": source.line1,
        "payee_line2": source.line2,
        "payee_city": source.city,
        "payee_state": source.state,
        "payee_postal_code": source.postal_code,
    }


def _ach_numbers(routing_number: str, bank_account_number: str) -> tuple[str, str]:
    routing_number = (routing_number or "").strip()
    bank_account_number = (bank_account_number or "").strip().replace(" ", "")
    if not rtn.is_valid(routing_number):
        raise RefundError("an ACH refund needs a valid 9-digit routing number")
    if not (bank_account_number.isascii() and bank_account_number.isdigit()) or not (
        4 <= len(bank_account_number) <= 17
    ):
        raise RefundError("an ACH refund needs a bank account number of 4 to 17 digits")
    return routing_number, bank_account_number


def _require(user, permission: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise PermissionDenied


@transaction.atomic
def refund_request(
    *,
    account: Account,
    amount: Decimal,
    method: str,
    reason: str,
    user=None,
    source: str = "credit",
    routing_number: str = "",
    bank_account_number: str = "",
    payee_name: str = "",
    bank_account_type: str = "checking",
) -> Refund:
    """Ask for a refund of `amount` of the account's credit, paid by check or ACH credit.
    Nothing is posted yet: a Supervisor approves it from the REFUNDAPPR To Do."""
    _require(user, REQUEST_PERMISSION)
    amount = quantize(Decimal(amount))
    if amount <= 0:
        raise RefundError("a refund amount must be more than zero")
    if method not in Refund.Method.values:
        raise RefundError(f"a refund is paid by check or ACH, not {method!r}")
    if source not in Refund.Source.values:
        raise RefundError(f"a refund is of a credit balance or a deposit, not {source!r}")
    reason = (reason or "").strip()
    if not reason:
        raise RefundError("say why the refund is made")
    # The account lock: two requests at once can't both claim the same credit.
    account = (
        account_qs_select_for_update().select_related("customer", "location").get(pk=account.pk)
    )
    available = refund_credit_available(account=account, source=source)
    if amount > available:
        raise RefundError(f"the refund of {amount} is more than the credit available, {available}")
    refund = Refund(
        account=account,
        amount=amount,
        method=method,
        source=source,
        reason=reason[:200],
        requested_by=user,
        requested_at=timezone.now(),
        **_payee_default(account),
    )
    if payee_name.strip():
        refund.payee_name = payee_name.strip()[:120]
    if method == Refund.Method.ACH:
        if bank_account_type not in Refund.BankAccountType.values:
            raise RefundError("the bank account is checking or savings")
        refund.routing_number, refund.bank_account_number = _ach_numbers(
            routing_number, bank_account_number
        )
        refund.bank_account_last4 = refund.bank_account_number[-4:]
        refund.bank_account_type = bank_account_type
    refund.save()
    who = (user.get_full_name() or user.username) if user is not None else "the system"
    refund.todo = todo_create(
        type_code=TODO_TYPE,
        subject=f"Approve refund of {amount} ({refund.get_method_display()}) "
        f"for account {account.number}",
        detail=f"Requested by {who}: {refund.reason}",
        account=account,
        source=f"accounts.Refund:{refund.pk}",
    )
    refund.save(update_fields=["todo"])
    return refund


# Decisions -------------------------------------------------------------------------


def _refunds_payable_gl() -> GLAccount:
    gl, _ = GLAccount.objects.get_or_create(
        code=REFUNDS_PAYABLE_GL, defaults={"description": "Refunds payable"}
    )
    return gl


def _locked(refund: Refund) -> Refund:
    return refund_qs_select_for_update().get(pk=refund.pk)


def _todo_close(refund: Refund, user, resolution: str) -> None:
    if refund.todo_id is None:
        return
    todo = ToDoEntry.objects.get(pk=refund.todo_id)
    if todo.status == ToDoEntry.Status.COMPLETE:
        return
    # The decision is the resolution; the approver needs no To Do permission of its own.
    todo_complete(todo=todo, user=None, resolution=resolution)
    if user is not None:
        ToDoEntry.objects.filter(pk=todo.pk).update(completed_by=user)


@transaction.atomic
def refund_approve(*, refund: Refund, user) -> Refund:
    """Approve and post: one REFUND charge per credit SA (the credit found again under the
    Account -> SA locks), offset GL 2300. The requester can't approve their own refund."""
    _require(user, APPROVE_PERMISSION)
    if user is None:
        raise PermissionDenied("a refund is approved by a person")
    list(account_qs_select_for_update().filter(pk=refund.account_id))
    sas = _credit_sas(refund.account_id, refund.source, lock=True)
    refund = _locked(refund)
    if refund.status != Refund.Status.REQUESTED:
        raise RefundError(f"refund {refund.pk} is {refund.get_status_display().lower()}")
    if refund.requested_by_id == user.pk:
        raise RefundError("the person who requested a refund can't approve it")
    balance = Account.objects.filter(pk=refund.account_id).values_list("balance", flat=True)[0]
    if refund.amount > -balance:
        raise RefundError(
            f"the account holds {max(-balance, ZERO)} of credit, less than the refund of "
            f"{refund.amount}"
        )
    pairs = refund_allocation(sas, refund.amount)
    gl = _refunds_payable_gl()
    day = timezone.localdate()
    label = f"Refund by {refund.get_method_display().lower()}"
    fts = ledger_post(
        postings=[
            posting_for_sa(
                sa=sa,
                offset_gl_id=gl.pk,
                kind=FinancialTransaction.Kind.REFUND,
                amount=take,
                accounting_date=day,
                arrears_date=day,
                description=label,
            )
            for sa, take in pairs
        ]
    )
    refund.fts.add(*(ft.pk for ft in fts))
    refund.approve()
    refund.approved_by = user
    refund.approved_at = timezone.now()
    refund.save(update_fields=["status", "approved_by", "approved_at"])
    _todo_close(refund, user, f"Approved; {refund.amount} posted.")
    return refund


def _close(refund: Refund, user, reason: str, transition: str) -> Refund:
    reason = (reason or "").strip()
    if not reason:
        raise RefundError("a reason is required")
    getattr(refund, transition)()
    refund.closed_by = user
    refund.closed_at = timezone.now()
    refund.close_reason = reason[:200]
    refund.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
    _todo_close(refund, user, f"{refund.get_status_display()}: {refund.close_reason}")
    return refund


@transaction.atomic
def refund_reject(*, refund: Refund, user, reason: str) -> Refund:
    """An approver turns a requested refund down; nothing was posted."""
    _require(user, APPROVE_PERMISSION)
    refund = _locked(refund)
    if refund.status != Refund.Status.REQUESTED:
        raise RefundError(f"refund {refund.pk} is {refund.get_status_display().lower()}")
    if user is not None and refund.requested_by_id == user.pk:
        raise RefundError("the person who requested a refund can't reject it; cancel it")
    return _close(refund, user, reason, "reject")


@transaction.atomic
def refund_cancel(*, refund: Refund, user=None, reason: str) -> Refund:
    """Withdraw a refund not paid yet: the requester (or an approver) cancels a requested
    one; an approver cancels an approved one, whose FTs are reversed."""
    list(account_qs_select_for_update().filter(pk=refund.account_id))
    list(sa_qs_select_for_update().filter(account_id=refund.account_id))
    refund = _locked(refund)
    if refund.status not in (Refund.Status.REQUESTED, Refund.Status.APPROVED):
        raise RefundError(f"refund {refund.pk} is {refund.get_status_display().lower()}")
    if user is not None:
        mine = refund.requested_by_id == user.pk and refund.status == Refund.Status.REQUESTED
        if not mine and not user.has_perm(APPROVE_PERMISSION):
            raise PermissionDenied
    if refund.status == Refund.Status.APPROVED:
        original = refund.fts.filter(kind=FinancialTransaction.Kind.REFUND)
        cancels = ledger_post(
            postings=reversal_postings(
                original,
                kind=FinancialTransaction.Kind.REFUND_CANCEL,
                accounting_date=timezone.localdate(),
            )
        )
        refund.fts.add(*(ft.pk for ft in cancels))
    return _close(refund, user, reason, "cancel")


# Paying ----------------------------------------------------------------------------


def refunds_mark_paid(
    *, refunds: list[Refund], paid_on: date, file_name: str, traces: dict[int, str] | None = None
) -> None:
    """Approved refunds written to a payment file are Paid (the caller holds their locks)."""
    traces = traces or {}
    for refund in refunds:
        refund.pay()
        refund.paid_on = paid_on
        refund.paid_file = file_name
        refund.ach_trace_number = traces.get(refund.pk, "")
        refund.save(update_fields=["status", "paid_on", "paid_file", "ach_trace_number"])


def check_outbox() -> Path:
    default = Path(settings.BASE_DIR) / "var" / "outbox" / "checks"
    return Path(getattr(settings, "OPENCIS_CHECK_OUTBOX", default))


CHECK_REGISTER_COLUMNS = [
    "check_number",
    "check_date",
    "payee",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "amount",
    "account",
    "refund_id",
]


@dataclass
class CheckRegister:
    path: Path | None
    refunds: list[Refund]
    total: Decimal


def refund_check_number_next() -> int:
    last = Refund.objects.aggregate(m=Max("check_number"))["m"]
    first = int(getattr(settings, "OPENCIS_REFUND_FIRST_CHECK", FIRST_CHECK_NUMBER))
    return max(first, (last or 0) + 1)


def refunds_checks_pay(*, refund_ids: list[int], business_date: date) -> CheckRegister:
    """Write the check register CSV of the approved, unpaid check refunds among
    `refund_ids` (check numbers in sequence), and mark them Paid. A refund already paid is
    left out, so a re-run pays nothing twice. The file is written under a temporary name
    and renamed once the transaction commits."""
    with transaction.atomic():
        refunds = list(
            refund_qs_select_for_update()
            .filter(pk__in=refund_ids, status=Refund.Status.APPROVED, method=Refund.Method.CHECK)
            .select_related("account")
        )
        if not refunds:
            return CheckRegister(path=None, refunds=[], total=ZERO)
        transaction_lock(_CHECK_NUMBER_LOCK)
        number = refund_check_number_next()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CHECK_REGISTER_COLUMNS)
        for refund in refunds:
            refund.check_number = number
            number += 1
            writer.writerow(
                [
                    refund.check_number,
                    business_date.isoformat(),
                    refund.payee_name,
                    refund.payee_line1,
                    refund.payee_line2,
                    refund.payee_city,
                    refund.payee_state,
                    refund.payee_postal_code,
                    f"{refund.amount:.2f}",
                    refund.account.number,
                    refund.pk,
                ]
            )
        path = check_outbox() / f"CHECKS_{business_date:%Y%m%d}_{refunds[0].check_number}.csv"
        _write_part(path, out.getvalue())
        Refund.objects.bulk_update(refunds, ["check_number"])
        refunds_mark_paid(refunds=refunds, paid_on=business_date, file_name=path.name)
        transaction.on_commit(lambda: os.replace(_part(path), path))
    return CheckRegister(path=path, refunds=refunds, total=sum((r.amount for r in refunds), ZERO))


def _part(path: Path) -> Path:
    return path.with_name(f".{path.name}.part")


def _write_part(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    fd = os.open(_part(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "RefundError",
    "refund_allocation",
    "refund_approve",
    "refund_cancel",
    "refund_credit_available",
    "refund_request",
    "refund_reject",
    "refunds_checks_pay",
    "refunds_mark_paid",
]
