"""The dashboard cards across the top of the panel (seed 004, "Account Control Panel
Dashboard"): Customer Information, Current Status, Location Information, Service
Location."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from cis.money import ZERO

from ...models import Account, Bill, CustomerAddress, FinancialTransaction, Note, SpecialCondition
from ...panel import Facts, Icon, LastPayment, PanelContext, panel_facts
from ...selectors import Aging, account_aging_rows, aging_compute


def panel_aging(ctx: PanelContext) -> Aging:
    if "aging" not in ctx.memo:
        rows = account_aging_rows(account=ctx.account)
        ctx.memo["aging"] = aging_compute(amounts=rows, as_of=ctx.today)
    return ctx.memo["aging"]


def ledger_last_payment(*, account: Account) -> LastPayment | None:
    """The latest day with payment FTs and what they came to (a payment split over SAs is
    several pay segments on one day). Payments' own provider replaces this once it knows
    payment events and unposted payments."""
    row = (
        FinancialTransaction.objects.filter(
            account=account, is_frozen=True, kind=FinancialTransaction.Kind.PAY_SEGMENT
        )
        .values("accounting_date")
        .annotate(total=Sum("current_amount"))
        .order_by("-accounting_date")
        .first()
    )
    if row is None:
        return None
    return LastPayment(date=row["accounting_date"], amount=-row["total"])


def panel_notes_q(ctx: PanelContext) -> Q:
    """Notes shown with this account: its own, its customer's and its location's."""
    return (
        Q(level=Note.Level.ACCOUNT, account=ctx.account)
        | Q(level=Note.Level.CUSTOMER, customer_id=ctx.account.customer_id)
        | Q(level=Note.Level.LOCATION, location_id=ctx.account.location_id)
    )


def panel_conditions_q(ctx: PanelContext) -> Q:
    return (
        Q(level=SpecialCondition.Level.ACCOUNT, account=ctx.account)
        | Q(level=SpecialCondition.Level.CUSTOMER, customer_id=ctx.account.customer_id)
        | Q(level=SpecialCondition.Level.LOCATION, location_id=ctx.account.location_id)
    )


def conditions_in_force(ctx: PanelContext) -> list[SpecialCondition]:
    """Active conditions whose dates cover today; their codes' icons go on the cards."""
    if "conditions" not in ctx.memo:
        ctx.memo["conditions"] = list(
            SpecialCondition.objects.filter(
                panel_conditions_q(ctx),
                Q(expires_on__isnull=True) | Q(expires_on__gte=ctx.today),
                is_active=True,
                effective_on__lte=ctx.today,
            ).select_related("condition_type")
        )
    return ctx.memo["conditions"]


@dataclass
class Dashboard:
    facts: Facts
    aging: Aging
    balance_state: str  # current | past_due | shutoff
    header: list[tuple[str, str]]  # (text, tone) in the Current Status header
    last_bill: Bill | None
    grace_until: dt.date | None
    mailing_address: CustomerAddress | None
    type_icon: Icon
    customer_icons: list[Icon] = field(default_factory=list)
    location_icons: list[Icon] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    owner_name: str = ""

    @property
    def legend(self) -> list[tuple[Icon, str]]:
        return ICON_LEGEND

    @property
    def balance(self) -> Decimal:
        return self.aging.balance

    @property
    def past_due(self) -> Decimal:
        return self.aging.past_due


# The panel's "Icons" legend (issue 8 item 15): every icon and marker the cards can show,
# with what it means (seed 004, Tables 1-2). Marks ("U", "G") have no sprite: key "mark-*".
ICON_LEGEND: list[tuple[Icon, str]] = [
    (Icon("balance", "Balance", "dollar", "ok"), "green current, amber past due, red shutoff"),
    (Icon("arrangement", "On Arrangement", "handshake", "info"), "a payment arrangement"),
    (Icon("bankruptcy", "Bankruptcy", "gavel", "danger"), "the customer filed bankruptcy"),
    (Icon("private", "Private", "lock", "muted"), "only permitted roles see it"),
    (Icon("no_checks", "No Checks", "no-check", "warn"), "checks are refused"),
    (Icon("no_payments", "Do Not Accept Payments", "ban", "danger"), "refuse all payments"),
    (Icon("autopay", "Automatic Payments", "repeat", "ok"), "draft or card on file"),
    (Icon("bad_debt", "Bad Debt", "bad-debt", "danger"), "written off"),
    (Icon("collections", "Collections", "collections", "danger"), "referred to collections"),
    (Icon("budget", "Budget Billing", "budget", "info"), "levelised monthly bills"),
    (Icon("email_bill", "Email Bills", "envelope", "info"), "bills go by email"),
    (Icon("account_status", "Account Status", "power", "ok"), "green connected, red shut off"),
    (Icon("web_user", "Web User", "globe", "info"), "uses the customer portal"),
    (Icon("condition", "Special condition", "flag", "condition"), "see Special Conditions"),
    (Icon("open_so", "Open Service Order", "wrench", "warn"), "location: work pending"),
    (Icon("lien", "On Lien", "lien", "danger"), "location: a lien is filed"),
    (Icon("mark-u", "U", "", "warn"), "last payment received, not yet posted"),
    (Icon("mark-g", "G", "", "ok"), "a grace note: no penalty until its date"),
]


def _balance_icon(state: str) -> Icon:
    return {
        "current": Icon("balance", "Balance \u2013 Current", "dollar", "ok"),
        "past_due": Icon("balance", "Balance \u2013 Past Due", "dollar", "warn"),
        "shutoff": Icon("balance", "Balance \u2013 Shutoff", "dollar", "danger"),
    }[state]


def _customer_icons(ctx: PanelContext, facts: Facts, state: str) -> list[Icon]:
    """seed 004, Table 1, in the seed's order; then special-condition icons."""
    customer, account = ctx.customer, ctx.account
    icons = [_balance_icon(state)]
    if facts.on_arrangement:
        icons.append(Icon("arrangement", "On Arrangement", "handshake", "info"))
    if customer.is_bankrupt:
        icons.append(Icon("bankruptcy", "Bankruptcy", "gavel", "danger"))
    if not customer.is_public:
        icons.append(Icon("private", "Private", "lock", "muted"))
    if "check" in (customer.disallowed_pay_methods or []):
        icons.append(Icon("no_checks", "No Checks", "no-check", "warn"))
    if customer.do_not_accept_payments:
        icons.append(Icon("no_payments", "Do Not Accept Payments", "ban", "danger"))
    if facts.autopay_method:
        label = f"Automatic Payments \u2013 {facts.autopay_method}"
        icons.append(Icon("autopay", label, "repeat", "ok"))
    if account.is_bad_debt:
        icons.append(Icon("bad_debt", "Bad Debt", "bad-debt", "danger"))
    if account.in_collections:
        icons.append(Icon("collections", "Collections", "collections", "danger"))
    if account.is_budget_billing:
        icons.append(Icon("budget", "Budget Billing", "budget", "info"))
    if customer.email_notices:
        icons.append(Icon("email_bill", "Email Bills", "envelope", "info"))
    if account.service_status == Account.ServiceStatus.SHUT_OFF:
        icons.append(Icon("account_status", "Account Status \u2013 Shutoff", "power", "danger"))
    else:
        icons.append(Icon("account_status", "Account Status \u2013 Current", "power", "ok"))
    if customer.is_web_user:
        icons.append(Icon("web_user", "Web User", "globe", "info"))
    icons += _condition_icons(ctx, levels=("account", "customer"))
    return icons + facts.customer_icons


def _condition_icons(ctx: PanelContext, *, levels: tuple[str, ...]) -> list[Icon]:
    return [
        Icon(
            f"condition_{c.pk}",
            c.condition_type.description,
            c.condition_type.icon or "flag",
            "condition",
        )
        for c in conditions_in_force(ctx)
        if c.level in levels
    ]


def _location_icons(ctx: PanelContext, facts: Facts) -> list[Icon]:
    """seed 004, Table 2; then location special-condition icons."""
    icons = []
    if facts.open_service_orders:
        icons.append(Icon("open_so", "Open Service Order", "wrench", "warn"))
    if ctx.location.on_lien:
        icons.append(Icon("lien", "On Lien", "lien", "danger"))
    return icons + _condition_icons(ctx, levels=("location",)) + facts.location_icons


def _header(ctx: PanelContext, state: str) -> list[tuple[str, str]]:
    activity = ctx.account.activity_status
    tone = {"current": "ok", "waiting": "info", "final": "muted"}[activity]
    header = [(ctx.account.get_activity_status_display(), tone)]
    if state == "past_due":
        header.append(("Past due", "warn"))
    elif state == "shutoff":
        header.append(("Scheduled for shutoff", "danger"))
    if ctx.account.service_status == Account.ServiceStatus.SHUT_OFF:
        header.append(("Shut off", "danger"))
    return header


def panel_dashboard(ctx: PanelContext) -> Dashboard:
    facts = panel_facts(ctx)
    aging = panel_aging(ctx)
    if aging.past_due <= ZERO:
        state = "current"
    elif facts.shutoff_pending:
        state = "shutoff"
    else:
        state = "past_due"
    notes = list(
        Note.objects.filter(
            Q(level=Note.Level.ACCOUNT, account=ctx.account)
            | Q(level=Note.Level.CUSTOMER, customer_id=ctx.account.customer_id),
            Q(grace_date__gte=ctx.today) | Q(show_in_payment_center=True),
        ).only("subject", "grace_date", "show_in_payment_center")
    )
    graces = [n.grace_date for n in notes if n.grace_date and n.grace_date >= ctx.today]
    alerts = [f"Payment note: {n.subject}" for n in notes if n.show_in_payment_center]
    if ctx.customer.do_not_accept_payments:
        alerts.insert(0, "Do not accept any payments from this customer.")
    location = ctx.location
    return Dashboard(
        facts=facts,
        aging=aging,
        balance_state=state,
        header=_header(ctx, state),
        last_bill=Bill.objects.filter(account=ctx.account, status=Bill.Status.COMPLETE)
        .order_by("-bill_date", "-pk")
        .first(),
        grace_until=max(graces) if graces else None,
        mailing_address=ctx.customer.addresses.filter(is_primary=True).first(),
        type_icon=Icon("individual", "Individual", "person", "type")
        if not ctx.customer.is_business
        else Icon("business", ctx.customer.get_customer_type_display(), "business", "type"),
        customer_icons=_customer_icons(ctx, facts, state),
        location_icons=_location_icons(ctx, facts),
        alerts=alerts + facts.alerts,
        # seed 004: with no owner the card shows the customer's name.
        owner_name=(location.owner.display_name if location.is_rental and location.owner else "")
        or ctx.customer.display_name,
    )
