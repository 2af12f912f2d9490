"""The Customer and Owner tabs: Customer ID, sub-tabs and the Message Center."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from cis.money import ZERO

from ...models import (
    Account,
    Adjustment,
    Customer,
    CustomerDocument,
    CustomField,
    Note,
    Scope,
    UDCCaption,
)
from ...panel import PanelContext, panel_facts
from ...selectors import deposits_summary

SECURE_DOCUMENT_PERMISSION = "accounts.view_secure_document"


@dataclass(frozen=True)
class CustomFieldRow:
    definition: CustomField
    value: str


@dataclass
class MessageCenter:
    rows: list[tuple[str, str]]
    notes: list[Note]
    customer_balance: Decimal
    location_balance: Decimal


def adjustment_counts(*, account: Account, since: dt.datetime) -> tuple[int, int]:
    """(NSF charges, late charges) posted on the account since `since`, cancelled ones
    not counted (seed 004, Message Center: "last 12 months")."""
    counts = Adjustment.objects.filter(
        sa__account=account, status=Adjustment.Status.FROZEN, created_at__gte=since
    ).aggregate(
        nsf=Count("pk", filter=Q(adjustment_type__is_nsf_charge=True)),
        late=Count("pk", filter=Q(adjustment_type__is_penalty=True)),
    )
    return counts["nsf"], counts["late"]


def balances(*, account: Account) -> tuple[Decimal, Decimal]:
    """(customer balance across all their accounts, location balance for all residents,
    current and final) in one query."""
    sums = Account.objects.filter(
        Q(customer_id=account.customer_id) | Q(location_id=account.location_id)
    ).aggregate(
        customer=Sum("balance", filter=Q(customer_id=account.customer_id)),
        location=Sum("balance", filter=Q(location_id=account.location_id)),
    )
    return sums["customer"] or ZERO, sums["location"] or ZERO


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def message_center(ctx: PanelContext) -> MessageCenter:
    """seed 004: review-only facts gathered from elsewhere, then notes flagged for the
    Message Center (customer notes everywhere, account notes here only), then balances."""
    facts = panel_facts(ctx)
    customer = ctx.customer
    nsf, late = adjustment_counts(
        account=ctx.account, since=timezone.now() - dt.timedelta(days=365)
    )
    deposits = deposits_summary(account_ids=[ctx.account.pk]).get(ctx.account.pk)
    held = deposits.held if deposits else ZERO
    refund_due = deposits.refund_due if deposits else ZERO
    rows = [
        ("Open service orders", str(facts.open_service_orders)),
        ("Automatic payment", facts.autopay_method or "None"),
        ("Email bill", _yes_no(customer.email_notices)),
        ("Budget bill", _yes_no(ctx.account.is_budget_billing)),
        ("Accept checks", _yes_no("check" not in (customer.disallowed_pay_methods or []))),
        ("NSF (last 12 months)", str(nsf)),
        ("Late charges (last 12 months)", str(late)),
        ("Deposits holding", f"${held:,.2f}"),
        *([("Deposit refund due", f"${refund_due:,.2f}")] if refund_due > 0 else []),
        *facts.message_center,
    ]
    notes = list(
        Note.objects.filter(
            Q(level=Note.Level.CUSTOMER, customer_id=customer.pk)
            | Q(level=Note.Level.ACCOUNT, account=ctx.account),
            show_in_message_center=True,
        ).select_related("note_type")
    )
    customer_balance, location_balance = balances(account=ctx.account)
    return MessageCenter(rows, notes, customer_balance, location_balance)


def custom_field_rows(*, applies_to: str, values: dict) -> list[CustomFieldRow]:
    return [
        CustomFieldRow(definition, values.get(definition.code, ""))
        for definition in CustomField.objects.filter(applies_to=applies_to, is_active=True)
    ]


def udc_captions(*, applies_to: str):
    return UDCCaption.objects.filter(applies_to=applies_to, is_active=True).prefetch_related(
        "values"
    )


def customer_documents(*, customer: Customer, user) -> list[CustomerDocument]:
    """All documents; `can_open` is False on secure ones for users without permission
    (seed 004: secure documents can't be accessed without it)."""
    may_open_secure = user.has_perm(SECURE_DOCUMENT_PERMISSION)
    documents = list(customer.documents.select_related("document_type", "uploaded_by"))
    for document in documents:
        document.can_open = may_open_secure or not document.document_type.is_secure
    return documents


def customer_sections(*, customer: Customer, user) -> dict:
    """Everything the Customer tab's sub-tabs list (also the Owner tab's)."""
    codes = list(customer.codes.select_related("caption", "value"))
    documents = customer_documents(customer=customer, user=user)
    return {
        "addresses": list(customer.addresses.all()),
        "phones": list(customer.phones.all()),
        "emails": list(customer.emails.all()),
        "codes": codes,
        "documents": documents,
        "custom_fields": custom_field_rows(
            applies_to=Scope.CUSTOMER, values=customer.custom_fields
        ),
    }
