"""The Location tab: details, deposits, codes, permits, custom fields, the service grid
and the Location Message Center (seed 004)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from cis.money import ZERO

from ...models import FinancialTransaction, Note, Scope, ServiceAgreement
from ...panel import PanelContext
from .access import rows_visible
from .customer import balances, custom_field_rows


@dataclass(frozen=True)
class DepositRow:
    sa: ServiceAgreement
    billed: Decimal
    held: Decimal
    owing: Decimal


def deposit_rows(ctx: PanelContext) -> list[DepositRow]:
    """seed 004: all deposits on hold for the location, the customer and the account."""
    # other residents of the location may be private (issue 7 item 12)
    deposits = rows_visible(ServiceAgreement.objects.all(), user=ctx.user, via="account__customer")
    sas = list(
        deposits.filter(
            Q(account__location_id=ctx.account.location_id)
            | Q(account__customer_id=ctx.account.customer_id),
            sa_type__is_deposit=True,
        )
        .select_related("account", "sa_type")
        .annotate(
            billed=Sum("fts__current_amount", filter=Q(fts__current_amount__gt=0)),
            paid=Sum(
                "fts__current_amount",
                filter=Q(
                    fts__kind__in=[
                        FinancialTransaction.Kind.PAY_SEGMENT,
                        FinancialTransaction.Kind.PAY_CANCEL,
                    ]
                ),
            ),
        )
    )
    return [
        DepositRow(sa=sa, billed=sa.billed or ZERO, held=-(sa.paid or ZERO), owing=sa.balance)
        for sa in sas
    ]


def location_tab_data(ctx: PanelContext) -> dict:
    location = ctx.location
    _, location_balance = balances(account=ctx.account)
    return {
        "location_notes": list(
            Note.objects.filter(level=Note.Level.LOCATION, location=location).select_related(
                "note_type"
            )[:20]
        ),
        "location_balance": location_balance,
        "deposits": deposit_rows(ctx),
        "codes": list(location.codes.select_related("caption", "value")),
        "permits": list(location.permits.all()),
        "custom_fields": custom_field_rows(
            applies_to=Scope.LOCATION, values=location.custom_fields
        ),
        "services": list(ctx.account.agreements.select_related("sa_type").order_by("pk")),
    }
