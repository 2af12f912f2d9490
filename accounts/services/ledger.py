"""Posting to the ledger: the one way an FT comes to exist.

Every posting books the SA's receivable against an offset GL account, so each FT's GL lines
sum to zero by construction; cached balances move in the same statement batch, Account
before SA (the lock order).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cis.bulk import bulk_increment, bulk_insert_rows
from cis.errors import DomainError
from cis.money import quantize

from ..models import Account, FinancialTransaction, GLLine, ServiceAgreement

# NUMERIC(14,2): amounts and cached balances stay below 10^12 in absolute value.
LEDGER_LIMIT = Decimal(10) ** 12


class LedgerOverflow(DomainError):
    """A posting the ledger can't hold: an FT amount or a cached SA / account balance
    would overflow NUMERIC(14,2). Nothing of the posting is kept (the API answers 400)."""


@dataclass(frozen=True, slots=True)
class Posting:
    """One FT to post. Ids, not instances, so bulk callers need not load rows."""

    sa_id: int
    account_id: int
    receivable_gl_id: int
    offset_gl_id: int
    kind: str
    amount: Decimal
    accounting_date: date
    arrears_date: date | None = None
    description: str = ""
    bill_id: int | None = None
    adjustment_id: int | None = None
    cancels_id: int | None = None


def posting_for_sa(
    *,
    sa: ServiceAgreement,
    offset_gl_id: int,
    kind: str,
    amount: Decimal,
    accounting_date: date,
    **extra,
) -> Posting:
    return Posting(
        sa_id=sa.pk,
        account_id=sa.account_id,
        receivable_gl_id=sa.sa_type.receivable_gl_id,
        offset_gl_id=offset_gl_id,
        kind=kind,
        amount=quantize(amount),
        accounting_date=accounting_date,
        **extra,
    )


@transaction.atomic
def ledger_post(*, postings: Sequence[Posting]) -> list[FinancialTransaction]:
    """Create frozen FTs with balanced GL lines and move the cached balances.

    A constant number of queries whatever the number of postings (the bulk path of bill
    completion, payment freeze and the demo generator all come through here).
    """
    now = timezone.now()
    ids = ledger_post_ids(postings=postings, now=now)
    fts = []
    for p, pk in zip(postings, ids, strict=True):
        ft = FinancialTransaction(pk=pk, is_frozen=True, frozen_at=now, created_at=now, **_ft(p))
        ft._state.adding = False
        fts.append(ft)
    return fts


_FT_FIELDS = (
    "sa_id",
    "account_id",
    "kind",
    "current_amount",
    "payoff_amount",
    "accounting_date",
    "arrears_date",
    "description",
    "bill_id",
    "adjustment_id",
    "cancels_id",
)


def _ft_values(p: Posting) -> tuple:
    return (
        p.sa_id,
        p.account_id,
        p.kind,
        p.amount,
        p.amount,
        p.accounting_date,
        p.arrears_date,
        p.description,
        p.bill_id,
        p.adjustment_id,
        p.cancels_id,
    )


def _ft(p: Posting) -> dict:
    return dict(zip(_FT_FIELDS, _ft_values(p), strict=True))


# No savepoint of its own: every caller runs it inside its own atomic service (an error
# here rolls that back), so a savepoint would only cost two round trips per posting.
@transaction.atomic(savepoint=False)
def ledger_post_ids(
    *,
    postings: Sequence[Posting],
    now=None,
    ft_ids: Sequence[int] | None = None,
    gl_ids: Sequence[int] | None = None,
) -> list[int]:
    """`ledger_post` without model instances: the new FT ids, in posting order.

    The same rows and balances as `ledger_post`, written as plain tuples, for bulk callers
    (payment freeze of 100,000 payments a night) where building instances costs more than
    the database work. `ft_ids` (one per posting) and `gl_ids` (two) are ids the caller
    reserved already (`cis.bulk.reserve_ids`) with its other tables' in one round trip.
    """
    now = now or timezone.now()
    too_big = next((p for p in postings if abs(p.amount) >= LEDGER_LIMIT), None)
    if too_big is not None:
        raise LedgerOverflow(f"an amount of {too_big.amount} is more than the ledger can hold")
    fields = (*_FT_FIELDS, "is_frozen", "frozen_at", "created_at")
    rows = [(*_ft_values(p), True, now, now) for p in postings]
    ids = bulk_insert_rows(FinancialTransaction, fields, rows, ids=ft_ids)
    lines = []
    for p, pk in zip(postings, ids, strict=True):
        lines.append((pk, p.receivable_gl_id, p.amount))
        lines.append((pk, p.offset_gl_id, -p.amount))
    bulk_insert_rows(GLLine, ("ft_id", "gl_account_id", "amount"), lines, ids=gl_ids)
    balances_apply(postings)
    return ids


def balances_apply(postings: Iterable[Posting]) -> None:
    by_account: dict[int, Decimal] = defaultdict(Decimal)
    by_sa: dict[int, Decimal] = defaultdict(Decimal)
    for p in postings:
        by_account[p.account_id] += p.amount
        by_sa[p.sa_id] += p.amount
    # Checked in the UPDATE itself (no extra query): a balance that would overflow is left
    # alone, and the whole posting refused.
    refused = bulk_increment(Account, "balance", dict(by_account), below=LEDGER_LIMIT)
    if refused:
        raise LedgerOverflow(
            f"the balance of account id {refused[0]} would exceed what the ledger can hold"
        )
    refused = bulk_increment(ServiceAgreement, "balance", dict(by_sa), below=LEDGER_LIMIT)
    if refused:
        raise LedgerOverflow(
            f"the balance of service agreement id {refused[0]} would exceed what the ledger "
            "can hold"
        )


def reversal_postings(
    fts: Iterable[FinancialTransaction], *, kind: str, accounting_date: date, description: str = ""
) -> list[Posting]:
    """Postings that cancel `fts`: same SA, opposite amount, GL lines mirrored."""
    fts = list(fts)
    lines = defaultdict(list)
    for line in GLLine.objects.filter(ft__in=fts).order_by("pk"):
        lines[line.ft_id].append(line)
    postings = []
    for ft in fts:
        receivable, offset = lines[ft.pk][0], lines[ft.pk][1]
        postings.append(
            Posting(
                sa_id=ft.sa_id,
                account_id=ft.account_id,
                receivable_gl_id=receivable.gl_account_id,
                offset_gl_id=offset.gl_account_id,
                kind=kind,
                amount=-ft.current_amount,
                accounting_date=accounting_date,
                description=description or ft.description,
                bill_id=ft.bill_id,
                adjustment_id=ft.adjustment_id,
                cancels_id=ft.pk,
            )
        )
    return postings
