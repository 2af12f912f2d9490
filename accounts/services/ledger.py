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

from cis.bulk import bulk_increment, bulk_insert
from cis.money import quantize

from ..models import Account, FinancialTransaction, GLLine, ServiceAgreement


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
    fts = [
        FinancialTransaction(
            sa_id=p.sa_id,
            account_id=p.account_id,
            kind=p.kind,
            current_amount=p.amount,
            payoff_amount=p.amount,
            accounting_date=p.accounting_date,
            arrears_date=p.arrears_date,
            description=p.description,
            bill_id=p.bill_id,
            adjustment_id=p.adjustment_id,
            cancels_id=p.cancels_id,
            is_frozen=True,
            frozen_at=now,
            created_at=now,
        )
        for p in postings
    ]
    bulk_insert(FinancialTransaction, fts)
    lines = []
    for p, ft in zip(postings, fts, strict=True):
        lines.append(GLLine(ft_id=ft.pk, gl_account_id=p.receivable_gl_id, amount=p.amount))
        lines.append(GLLine(ft_id=ft.pk, gl_account_id=p.offset_gl_id, amount=-p.amount))
    bulk_insert(GLLine, lines)
    balances_apply(postings)
    return fts


def balances_apply(postings: Iterable[Posting]) -> None:
    by_account: dict[int, Decimal] = defaultdict(Decimal)
    by_sa: dict[int, Decimal] = defaultdict(Decimal)
    for p in postings:
        by_account[p.account_id] += p.amount
        by_sa[p.sa_id] += p.amount
    bulk_increment(Account, "balance", dict(by_account))
    bulk_increment(ServiceAgreement, "balance", dict(by_sa))


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
