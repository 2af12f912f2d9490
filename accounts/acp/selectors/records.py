"""Notes, contacts, special conditions and the transaction history tabs."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q

from cis.money import ZERO

from ...models import (
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    FinancialTransaction,
    Note,
    SpecialCondition,
)
from ...panel import PanelContext
from .dashboard import panel_conditions_q, panel_notes_q


def panel_notes(ctx: PanelContext, *, search: str = "", level: str = "") -> list[Note]:
    """seed 004: notes are searchable by any of their fields. Newest first, whatever the
    level (issue 8 item 11)."""
    qs = (
        Note.objects.filter(panel_notes_q(ctx))
        .select_related("note_type", "created_by")
        .annotate(attachment_count=Count("attachments"))
        .order_by("-created_at", "-pk")
    )
    if level:
        qs = qs.filter(level=level)
    if search:
        qs = qs.filter(
            Q(subject__icontains=search)
            | Q(text__icontains=search)
            | Q(note_type__description__icontains=search)
            | Q(used_for__icontains=search)
        )
    return list(qs)


def panel_note_get(ctx: PanelContext, *, pk: int) -> Note | None:
    return (
        Note.objects.filter(panel_notes_q(ctx), pk=pk)
        .select_related("note_type", "created_by", "account", "customer", "location")
        .prefetch_related("attachments")
        .first()
    )


def panel_contacts(ctx: PanelContext) -> list[Contact]:
    """The customer's contacts and the location's, with their addresses, emails and
    phones (primary first)."""
    return list(
        Contact.objects.filter(
            Q(customer_id=ctx.account.customer_id) | Q(location_id=ctx.account.location_id)
        )
        .select_related("contact_type")
        .prefetch_related(
            Prefetch("addresses", ContactAddress.objects.order_by("-is_primary", "pk")),
            Prefetch("emails", ContactEmail.objects.order_by("-is_primary", "pk")),
            Prefetch("phones", ContactPhone.objects.order_by("-is_primary", "pk")),
        )
    )


def panel_contact_get(ctx: PanelContext, *, pk: int) -> Contact | None:
    return (
        Contact.objects.filter(
            Q(customer_id=ctx.account.customer_id) | Q(location_id=ctx.account.location_id),
            pk=pk,
        )
        .select_related("contact_type")
        .first()
    )


def panel_conditions(
    ctx: PanelContext, *, active_only: bool = False, search: str = ""
) -> list[SpecialCondition]:
    """seed 004: searchable by code, description, type and dates; 'active only' box."""
    qs = SpecialCondition.objects.filter(panel_conditions_q(ctx)).select_related("condition_type")
    if active_only:
        qs = qs.filter(is_active=True)
    if search:
        q = (
            Q(condition_type__code__icontains=search)
            | Q(condition_type__description__icontains=search)
            | Q(level__icontains=search)
        )
        try:
            day = dt.date.fromisoformat(search)
            q |= Q(effective_on=day) | Q(expires_on=day)
        except ValueError:
            pass
        qs = qs.filter(q)
    return list(qs)


def panel_condition_get(ctx: PanelContext, *, pk: int) -> SpecialCondition | None:
    return (
        SpecialCondition.objects.filter(panel_conditions_q(ctx), pk=pk)
        .select_related("condition_type")
        .first()
    )


HISTORY_VIEWS = {
    "all": ("All transactions", None),
    "charges": (
        "Charges",
        [FinancialTransaction.Kind.BILL_SEGMENT, FinancialTransaction.Kind.BILL_CANCEL],
    ),
    "payments": (
        "Payments",
        [FinancialTransaction.Kind.PAY_SEGMENT, FinancialTransaction.Kind.PAY_CANCEL],
    ),
    "adjustments": (
        "Adjustments",
        [FinancialTransaction.Kind.ADJUSTMENT, FinancialTransaction.Kind.ADJUSTMENT_CANCEL],
    ),
}


@dataclass(frozen=True)
class HistoryRow:
    ft: FinancialTransaction
    balance: Decimal  # the account balance after this transaction
    # (template, context) pairs other apps offer on this row, see panel.history_actions
    actions: list = field(default_factory=list)


CHARGE_KINDS = (FinancialTransaction.Kind.BILL_SEGMENT, FinancialTransaction.Kind.ADJUSTMENT)


def history_charge_get(ctx: PanelContext, *, pk: int) -> FinancialTransaction | None:
    """A frozen charge (bill segment or adjustment, positive) of the open account: what a
    Supervisor may adjust from the History tab."""
    return (
        FinancialTransaction.objects.filter(
            account=ctx.account, pk=pk, is_frozen=True, kind__in=CHARGE_KINDS, current_amount__gt=0
        )
        .select_related("sa__sa_type")
        .first()
    )


def account_history_rows(
    ctx: PanelContext,
    *,
    view: str = "all",
    sa_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[HistoryRow]:
    """Frozen FTs, newest first, each with the running account balance after it. The
    running total is over the whole ledger, so a filtered view still shows the account's
    real balance at each line. One query, whatever the account's age."""
    kinds = HISTORY_VIEWS.get(view, HISTORY_VIEWS["all"])[1]
    fts = (
        FinancialTransaction.objects.filter(account=ctx.account, is_frozen=True)
        .select_related("sa__sa_type")
        .order_by("accounting_date", "pk")
    )
    rows, running = [], ZERO
    for ft in fts:
        running += ft.current_amount
        if kinds is not None and ft.kind not in kinds:
            continue
        if sa_id and ft.sa_id != sa_id:
            continue
        if date_from and ft.accounting_date < date_from:
            continue
        if date_to and ft.accounting_date > date_to:
            continue
        rows.append(HistoryRow(ft=ft, balance=running))
    rows.reverse()
    return rows
