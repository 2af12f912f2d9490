"""The Location tab: details, deposits, codes, permits, custom fields, the service grid
and the Location Message Center (seed 004)."""

from dataclasses import dataclass

from django.db.models import Q

from ...models import Account, Note, Scope, ServiceAgreement
from ...panel import PanelContext
from ...selectors import DepositSummary, deposits_summary
from .access import rows_visible
from .customer import balances, custom_field_rows


@dataclass(frozen=True)
class DepositRow:
    account: Account
    sa: ServiceAgreement  # the account's first deposit SA
    summary: DepositSummary

    # the template's columns
    billed = property(lambda self: self.summary.billed)
    held = property(lambda self: self.summary.held)
    owing = property(lambda self: self.summary.owing)


def deposit_rows(ctx: PanelContext) -> list[DepositRow]:
    """seed 004: all deposits on hold for the location, the customer and the account, one
    row per account with a deposit SA (amounts: `accounts.selectors.deposits_summary`)."""
    # other residents of the location may be private (issue 7 item 12)
    deposits = rows_visible(ServiceAgreement.objects.all(), user=ctx.user, via="account__customer")
    sas = list(
        deposits.filter(
            Q(account__location_id=ctx.account.location_id)
            | Q(account__customer_id=ctx.account.customer_id),
            sa_type__is_deposit=True,
        )
        .select_related("account", "sa_type")
        .order_by("account__number", "pk")
    )
    first = {}
    for sa in sas:
        first.setdefault(sa.account_id, sa)
    summaries = deposits_summary(account_ids=list(first))
    return [DepositRow(sa.account, sa, summaries[sa.account_id]) for sa in first.values()]


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
