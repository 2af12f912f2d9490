"""Write-offs (issue 13 item 4; seed 003 step 2.5 "Write Off Uncollectible Receivables" and
3.3 "the status of a Write Off ... can change due to freezing of a Financial Transaction";
README "Write-offs").

Eligibility (`writeoff_refusal`): the account is not a suspense account, owes (balance
above zero), has no SA still pending or active (every SA stopped or closed: a *final*
balance; an excess-credit SA is no service and doesn't count), and no SA holds a credit
(a credit would be paid out to the customer once the debt beside it is written off: move
it onto the debt first). Writing off is a Supervisor's
(`delinquency.write_off_account`); the nightly job writes off as the system.

The write-off posts, on every SA with a balance above zero, a credit FT of that balance
against the SA's receivable with GL 6100 Bad debt expense as the offset, so every SA ends
at 0.00; it marks the account Bad Debt (and In Collections when referred: the dashboard
icons of seed 004 Table 1). Bad Debt is cleared once payments recovered every write-off of
the account in full (and set again if such a payment is cancelled); the collections
referral stays.

Recovery (`payments_recover`, the `payment_frozen` receiver): a payment frozen on the
account after a write-off lands as a credit (the SAs are at zero, so distribution puts it
on an excess-credit SA). As far as it goes (the payment's amount, the account's credit and
the write-off's remaining amount, the oldest write-off first, its lines by SA) the written
off debt is reinstated on its SA (a charge FT, offset GL 6110 Bad debt recovered) and the
credit moved onto it (two FTs, the credit SA's and the written-off SA's, with the same
offset GL so it nets to zero). The written-off SA ends at 0.00, the account keeps any
excess as a credit. Once per payment and write-off (a unique row), so a signal delivered
twice does nothing the second time.

A recovering payment cancelled later (a reversal, an NSF return, a transfer;
`payment_cancelled`) has its recoveries reversed: every FT they posted gets its
cancellation FT, the write-off's `recovered` goes back down, so the debt it had paid is
written off again and the ledger balances whatever happened in between.

Locks: Account -> SA (accounts' order) -> WriteOff, each by pk.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.lock_objects import accounts_lock, sa_qs_select_for_update
from accounts.models import Account, FinancialTransaction, GLAccount, ServiceAgreement
from accounts.services.ledger import Posting, ledger_post, reversal_postings
from cis.bulk import id_in
from cis.errors import DomainError
from cis.money import ZERO, money_format

from ..lock_objects import writeoff_qs_select_for_update
from ..models import WriteOff, WriteOffLine, WriteOffRecovery
from ..reference import BAD_DEBT_GL, RECOVERY_GL

PERMISSION = "delinquency.write_off_account"
OPEN_SA = (ServiceAgreement.Status.PENDING, ServiceAgreement.Status.ACTIVE)
WRITE_OFF_TEXT = "Write-off: uncollectible balance"
REINSTATE_TEXT = "Written-off debt reinstated by payment"
MOVE_TEXT = "Payment credit applied to written-off debt"


class WriteOffError(DomainError):
    """A write-off refused: the account is not eligible (the message says why)."""


def _gl_id(code: str) -> int:
    gl = GLAccount.objects.filter(code=code).values_list("pk", flat=True).first()
    if gl is None:  # reference data not loaded (a flushed test database)
        from ..reference import WRITEOFF_GLS

        gl = GLAccount.objects.create(code=code, description=WRITEOFF_GLS[code]).pk
    return gl


def writeoff_refusal(*, account: Account, sas: list[ServiceAgreement]) -> str:
    """Why the account can't be written off now; "" when it can. `sas`: all its SAs."""
    if account.is_suspense:
        return "a suspense account is never written off"
    if account.balance <= ZERO:
        return f"the account owes nothing (balance {money_format(account.balance)})"
    # An excess-credit SA is no service: open or not, it only holds credit (checked below).
    still_open = [sa for sa in sas if sa.status in OPEN_SA and not sa.sa_type.is_excess_credit]
    if still_open:
        names = ", ".join(f"{sa.sa_type.code} ({sa.get_status_display()})" for sa in still_open)
        return f"only a final balance is written off: {names} not stopped"
    credits = [sa for sa in sas if sa.balance < ZERO]
    if credits:
        names = ", ".join(f"{sa.sa_type.code} {money_format(sa.balance)}" for sa in credits)
        return f"apply the credit on {names} to the debt first"
    return ""


@transaction.atomic
def writeoff_account(
    *,
    account: Account,
    user,
    reason: str,
    refer_to_collections: bool,
    on: dt.date | None = None,
    batch_run=None,
    check_permission: bool = True,
) -> WriteOff:
    """Write off the account's final balance (see the module doc for the rule). `user`
    needs `delinquency.write_off_account` (a batch passes `check_permission=False`)."""
    if check_permission and (user is None or not user.has_perm(PERMISSION)):
        raise PermissionDenied("writing off a balance is a Supervisor's")
    reason = (reason or "").strip()
    if not reason:
        raise WriteOffError("a write-off needs a reason")
    day = on or timezone.localdate()
    [account] = accounts_lock([account.pk])
    sas = list(sa_qs_select_for_update().filter(account=account).select_related("sa_type"))
    refusal = writeoff_refusal(account=account, sas=sas)
    if refusal:
        raise WriteOffError(f"account {account.number} can't be written off: {refusal}")
    owing = [sa for sa in sas if sa.balance > ZERO]
    bad_debt = _gl_id(BAD_DEBT_GL)
    fts = ledger_post(
        postings=[
            Posting(
                sa_id=sa.pk,
                account_id=account.pk,
                receivable_gl_id=sa.sa_type.receivable_gl_id,
                offset_gl_id=bad_debt,
                kind=FinancialTransaction.Kind.ADJUSTMENT,
                amount=-sa.balance,
                accounting_date=day,
                description=WRITE_OFF_TEXT,
            )
            for sa in owing
        ]
    )
    write_off = WriteOff.objects.create(
        account=account,
        written_off_on=day,
        amount=sum((sa.balance for sa in owing), ZERO),
        reason=reason[:200],
        refer_to_collections=refer_to_collections,
        referred_on=day if refer_to_collections else None,
        created_by=user if user is not None and user.is_authenticated else None,
        batch_run=batch_run,
    )
    WriteOffLine.objects.bulk_create(
        WriteOffLine(write_off=write_off, sa=sa, amount=sa.balance, ft=ft)
        for sa, ft in zip(owing, fts, strict=True)
    )
    flags = {"is_bad_debt": True}
    if refer_to_collections:
        flags["in_collections"] = True
    Account.objects.filter(pk=account.pk).update(**flags)
    return write_off


@dataclass
class _Book:
    """The locked SAs' balances as the postings of this call move them."""

    sas: dict[int, ServiceAgreement]
    balance: dict[int, Decimal]

    def post(self, postings: list[Posting]) -> list[FinancialTransaction]:
        for p in postings:
            self.balance[p.sa_id] += p.amount
        return ledger_post(postings=postings)


def _posting(sa: ServiceAgreement, amount: Decimal, gl: int, text: str, day) -> Posting:
    return Posting(
        sa_id=sa.pk,
        account_id=sa.account_id,
        receivable_gl_id=sa.sa_type.receivable_gl_id,
        offset_gl_id=gl,
        kind=FinancialTransaction.Kind.ADJUSTMENT,
        amount=amount,
        accounting_date=day,
        arrears_date=day if amount > 0 else None,
        description=text,
    )


def _recover_one(
    *, write_off: WriteOff, payment_id: int, amount: Decimal, book: _Book, gl: int, day
) -> WriteOffRecovery | None:
    """Apply `amount` of a payment (already capped by the payment, the account's credit and
    the write-off's remaining amount) to `write_off`; None when nothing applies."""
    if amount <= ZERO:
        return None
    lines = list(write_off.lines.order_by("sa_id"))
    per_line: dict[int, Decimal] = {}
    left = amount
    for line in lines:
        take = min(left, line.remaining)
        if take > ZERO:
            per_line[line.pk] = take
            left -= take
    fts = book.post(
        [
            _posting(book.sas[line.sa_id], per_line[line.pk], gl, REINSTATE_TEXT, day)
            for line in lines
            if line.pk in per_line
        ]
    )
    # The credit moves onto the reinstated debt: from the SAs holding a credit, the largest
    # first, until each written-off SA is back at zero (or its credit was there already).
    bal = dict(book.balance)
    moves = []
    for line in lines:
        need = min(per_line.get(line.pk, ZERO), bal[line.sa_id])
        for sa_id in sorted(bal, key=lambda i: (bal[i], i)):
            if need <= ZERO:
                break
            if sa_id == line.sa_id or bal[sa_id] >= ZERO:
                continue
            m = min(need, -bal[sa_id])
            moves.append(_posting(book.sas[sa_id], m, gl, MOVE_TEXT, day))
            moves.append(_posting(book.sas[line.sa_id], -m, gl, MOVE_TEXT, day))
            bal[sa_id] += m
            bal[line.sa_id] -= m
            need -= m
    if moves:
        fts += book.post(moves)
    recovery = WriteOffRecovery.objects.create(
        write_off=write_off,
        payment_id=payment_id,
        amount=amount,
        line_amounts={str(k): str(v) for k, v in per_line.items()},
    )
    recovery.fts.set([ft.pk for ft in fts])
    changed = [line for line in lines if line.pk in per_line]
    for line in changed:
        line.recovered += per_line[line.pk]
    WriteOffLine.objects.bulk_update(changed, ["recovered"])
    write_off.recovered += amount
    write_off.save(update_fields=["recovered"])
    return recovery


def _accounts_with_write_offs(account_ids, *, open_only: bool = False) -> list[int]:
    qs = WriteOff.objects.filter(account_id__in=id_in(account_ids))
    if open_only:
        qs = qs.filter(recovered__lt=F("amount"))
    return sorted(set(qs.values_list("account_id", flat=True)))


def _bad_debt_flag_set(account_id: int) -> None:
    """Bad Debt while some write-off of the account is not fully recovered (seed 003 3.3:
    a freeze changes the write-off's status); the collections referral stays."""
    still = WriteOff.objects.filter(account_id=account_id, recovered__lt=F("amount")).exists()
    Account.objects.filter(pk=account_id).update(is_bad_debt=still)


def payments_recover(*, payment_ids: list[int], account_ids: list[int]) -> list[WriteOffRecovery]:
    """The `payment_frozen` receiver's work: one query when no paying account has a
    write-off (the nightly bulk freeze of 100,000 payments costs that one query)."""
    from payments.models import Payment

    accounts = _accounts_with_write_offs(account_ids, open_only=True)
    if not accounts:
        return []
    done = []
    for account_id in accounts:
        with transaction.atomic():
            done += _account_recover(account_id=account_id, payment_ids=payment_ids, model=Payment)
    return done


def _account_recover(*, account_id: int, payment_ids, model) -> list[WriteOffRecovery]:
    [account] = accounts_lock([account_id])
    sas = {
        sa.pk: sa
        for sa in sa_qs_select_for_update().filter(account=account).select_related("sa_type")
    }
    write_offs = list(writeoff_qs_select_for_update().filter(account=account))
    open_ones = [w for w in write_offs if w.remaining > ZERO]
    if not open_ones:
        return []
    applied = set(
        WriteOffRecovery.objects.filter(
            write_off__account=account, payment_id__in=payment_ids
        ).values_list("payment_id", flat=True)
    )
    payments = list(
        model.objects.filter(
            pk__in=payment_ids, account=account, status=model.Status.FROZEN
        ).order_by("pk")
    )
    book = _Book(sas=sas, balance={pk: sa.balance for pk, sa in sas.items()})
    gl = _gl_id(RECOVERY_GL)
    day = timezone.localdate()
    out = []
    for payment in payments:
        if payment.pk in applied:
            continue  # delivered twice: applied the first time
        left = payment.amount
        for write_off in open_ones:
            if payment.frozen_at is not None and payment.frozen_at < write_off.created_at:
                continue  # paid before this write-off: its money is in the written-off balance
            credit = -sum(book.balance.values(), ZERO)
            recovery = _recover_one(
                write_off=write_off,
                payment_id=payment.pk,
                amount=min(left, credit, write_off.remaining),
                book=book,
                gl=gl,
                day=day,
            )
            if recovery is not None:
                left -= recovery.amount
                out.append(recovery)
    if out:
        _bad_debt_flag_set(account.pk)
    return out


def recoveries_reverse(*, payment_ids: list[int], account_ids: list[int]) -> int:
    """The `payment_cancelled` receiver's work: reverse the live recoveries of cancelled
    payments (their FTs cancelled one by one). Returns how many were reversed."""
    accounts = _accounts_with_write_offs(account_ids)
    if not accounts:
        return 0
    n = 0
    for account_id in accounts:
        with transaction.atomic():
            n += _account_recoveries_reverse(account_id=account_id, payment_ids=payment_ids)
    return n


def _account_recoveries_reverse(*, account_id: int, payment_ids) -> int:
    accounts_lock([account_id])
    list(sa_qs_select_for_update().filter(account_id=account_id))
    write_offs = {w.pk: w for w in writeoff_qs_select_for_update().filter(account_id=account_id)}
    recoveries = list(
        WriteOffRecovery.objects.filter(
            write_off_id__in=write_offs, payment_id__in=payment_ids, cancelled_at__isnull=True
        ).order_by("pk")
    )
    if not recoveries:
        return 0
    day = timezone.localdate()
    now = timezone.now()
    lines = {line.pk: line for line in WriteOffLine.objects.filter(write_off_id__in=write_offs)}
    changed_lines: dict[int, WriteOffLine] = {}
    for recovery in recoveries:
        fts = list(recovery.fts.order_by("pk"))
        ledger_post(
            postings=reversal_postings(
                fts,
                kind=FinancialTransaction.Kind.ADJUSTMENT_CANCEL,
                accounting_date=day,
                description="Payment cancelled: write-off recovery reversed",
            )
        )
        for line_id, amount in recovery.line_amounts.items():
            line = lines[int(line_id)]
            line.recovered -= Decimal(amount)
            changed_lines[line.pk] = line
        write_offs[recovery.write_off_id].recovered -= recovery.amount
        recovery.cancelled_at = now
        recovery.save(update_fields=["cancelled_at"])
    WriteOffLine.objects.bulk_update(changed_lines.values(), ["recovered"])
    for write_off in {r.write_off_id for r in recoveries}:
        write_offs[write_off].save(update_fields=["recovered"])
    _bad_debt_flag_set(account_id)
    return len(recoveries)


def writeoff_totals(account: Account) -> dict[str, Decimal]:
    """{written_off, recovered, remaining} of the account's write-offs."""
    totals = defaultdict(lambda: ZERO)
    for w in WriteOff.objects.filter(account=account):
        totals["written_off"] += w.amount
        totals["recovered"] += w.recovered
    totals["remaining"] = totals["written_off"] - totals["recovered"]
    return dict(totals)
