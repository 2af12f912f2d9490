"""The Account Control Panel's extension points (seed 004; DESIGN §10).

The panel is a shell: tabs and dashboard facts come from the apps. Each app may have a
`panel.py` that calls `register_tab(...)` and `register_facts(...)`; they are found with
`autodiscover_modules("panel")` the first time the panel needs them. Accounts registers its
own tabs and facts in `accounts/acp/tabs.py` (imported by `_discover`).

A tab is rendered only when it is the one open; its `has_records` marker runs for every
panel view, so it should be one cheap query (the seed turns such a tab's name red).

A facts provider receives the `PanelContext` and the `Facts` being built and fills in what
its app knows: payments sets the last payment and the "U" (unposted) mark, autopay the
method, delinquency arrangements and pending shutoffs, service orders the open count.
Providers run by `order`; a later one may overwrite an earlier one's value (accounts'
ledger-based last payment is the fallback that payments replaces).

Payment entry shows alerts too (seed 000: "for both Inquiry and Payments"): an app calls
`register_payment_alerts(provider)`; payments' tab asks `payment_alerts(ctx)`.

The To Do screen and the home page have two more (issue 8 item 16): `register_todo_source`
says how a To Do entry's `source` ("payments.Tender:12") opens the record it points at, and
`register_home_card` adds a card to the CSR's start page (payments: today's payments taken
by me). Accounts registers its own in `accounts/acp/todo.py`.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from importlib import import_module

from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import Account, Customer, Location


@dataclass(frozen=True)
class Icon:
    """A status icon on a dashboard card. `label` is the tooltip (seed 004, Tables 1-2);
    `symbol` names an SVG symbol in accounts/acp/_icons.svg; `tone` colours it."""

    key: str
    label: str
    symbol: str = ""
    tone: str = "info"  # ok | info | warn | danger | muted

    @property
    def sprite(self) -> str:
        return self.symbol or self.key


@dataclass
class PanelContext:
    """One panel view: who is looking at which account. Built once per request."""

    request: HttpRequest
    account: Account
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def user(self):
        return self.request.user

    @property
    def customer(self) -> Customer:
        return self.account.customer

    @property
    def location(self) -> Location:
        return self.account.location

    @cached_property
    def memo(self) -> dict:
        """Per-request cache shared by tabs and providers (e.g. one aging computation)."""
        return {}


@dataclass
class LastPayment:
    date: dt.date
    amount: Decimal
    unposted: bool = False  # seed 004: "U" — received but not yet posted


@dataclass
class Facts:
    """What the dashboard and the Message Center show beyond accounts' own columns.

    Defaults mean "no app has said otherwise": no autopay, no arrangement, no open service
    orders, no shutoff pending.
    """

    last_payment: LastPayment | None = None
    autopay_method: str = ""  # e.g. "Draft" or "Credit card"; "" = none
    on_arrangement: bool = False
    open_service_orders: int = 0
    shutoff_pending: bool = False
    customer_icons: list[Icon] = field(default_factory=list)
    location_icons: list[Icon] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    message_center: list[tuple[str, str]] = field(default_factory=list)  # (label, value)


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    order: int
    template: str
    context: Callable[[PanelContext], dict] | None = None
    has_records: Callable[[PanelContext], bool] | None = None
    permission: str | None = None
    visible: Callable[[PanelContext], bool] | None = None


FactsProvider = Callable[[PanelContext, Facts], None]
# Alerts payment entry shows before money is taken (seed 000: "Alerts window ... for both
# Inquiry and Payments"); the banner's own come from the facts providers (`Facts.alerts`).
PaymentAlertsProvider = Callable[[PanelContext], list[str]]


@dataclass(frozen=True)
class HistoryActions:
    """Actions another app offers on History rows (e.g. payments: receipt, reverse, NSF).
    `rows(ctx, fts)` returns {FT id: template context} for the FTs it acts on; the
    History tab includes `template` in that row's Actions cell with the context."""

    template: str
    rows: Callable[[PanelContext, list], dict[int, dict]]


@dataclass(frozen=True)
class RecordLink:
    """Where a To Do entry's source opens: a label a CSR reads and a panel URL."""

    label: str
    url: str


# (user, key after the colon) -> a link, or None when the record is gone or not visible to
# this user (private accounts follow accounts_visible).
TodoSourceResolver = Callable[[object, str], RecordLink | None]


@dataclass(frozen=True)
class HomeCard:
    """A card on the panel's home page. `context(request)` returns the template's context,
    or None to leave the card out for this user."""

    key: str
    title: str
    order: int
    template: str
    context: Callable[[HttpRequest], dict | None]
    permission: str | None = None


@dataclass(frozen=True)
class CustomerSection:
    """A sub-tab of the Customer tab another app adds (seed 004: autopay's Auto Payment
    sits after Personal Info). `context(ctx)` fills its template when the Customer tab
    opens; `has_records(ctx)` turns its name red (the seed: "once an auto-pay is set up
    ... the tab header will turn red")."""

    key: str
    label: str
    order: int
    template: str
    context: Callable[[PanelContext], dict]
    has_records: Callable[[PanelContext], bool] | None = None
    permission: str | None = None


_TABS: dict[str, Tab] = {}
_CUSTOMER_SECTIONS: dict[str, CustomerSection] = {}
_TODO_SOURCES: dict[str, TodoSourceResolver] = {}
_HOME_CARDS: dict[str, HomeCard] = {}
_FACTS: list[tuple[int, str, FactsProvider]] = []
_PAYMENT_ALERTS: dict[str, PaymentAlertsProvider] = {}
_HISTORY_ACTIONS: dict[str, HistoryActions] = {}
_PERSONAL_ACTIONS: dict[str, tuple[int, str, Callable[[PanelContext], dict]]] = {}
_discovered = False


def register_tab(
    *,
    key: str,
    label: str,
    order: int,
    template: str,
    context: Callable[[PanelContext], dict] | None = None,
    has_records: Callable[[PanelContext], bool] | None = None,
    permission: str | None = None,
    visible: Callable[[PanelContext], bool] | None = None,
) -> Tab:
    """Add a tab. `context(ctx)` returns the template's context when the tab is open;
    `permission` hides the tab from users without it; `visible(ctx)` hides it for an
    account (the Owner tab exists only for rentals)."""
    tab = Tab(key, label, order, template, context, has_records, permission, visible)
    _TABS[key] = tab
    return tab


def register_customer_section(
    *,
    key: str,
    label: str,
    order: int,
    template: str,
    context: Callable[[PanelContext], dict],
    has_records: Callable[[PanelContext], bool] | None = None,
    permission: str | None = None,
) -> CustomerSection:
    section = CustomerSection(key, label, order, template, context, has_records, permission)
    _CUSTOMER_SECTIONS[key] = section
    return section


def customer_sections_extra(ctx: PanelContext) -> list[dict]:
    """The registered Customer sub-tabs this user sees, in order: for each its key, label,
    template, context and whether it has records."""
    _discover()
    found = []
    for section in sorted(_CUSTOMER_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        if section.permission and not ctx.user.has_perm(section.permission):
            continue
        found.append(
            {
                "key": section.key,
                "label": section.label,
                "template": section.template,
                "context": section.context(ctx),
                "has_records": bool(section.has_records and section.has_records(ctx)),
            }
        )
    return found


def register_personal_action(
    *, key: str, order: int, template: str, context: Callable[[PanelContext], dict]
) -> None:
    """An action shown in the Customer tab's Personal Info section (seed 004: payments'
    "Reset Web Login"). `context(ctx)` is handed to `template` as `action`."""
    _PERSONAL_ACTIONS[key] = (order, template, context)


def personal_actions(ctx: PanelContext) -> list[dict]:
    """The registered Personal Info actions, in order, each {template, context}."""
    _discover()
    return [
        {"key": key, "template": template, "context": context(ctx)}
        for key, (order, template, context) in sorted(
            _PERSONAL_ACTIONS.items(), key=lambda item: (item[1][0], item[0])
        )
    ]


def register_facts(provider: FactsProvider, *, order: int = 100) -> FactsProvider:
    name = f"{provider.__module__}.{provider.__qualname__}"
    if all(existing != name for _, existing, _ in _FACTS):
        _FACTS.append((order, name, provider))
        _FACTS.sort(key=lambda item: item[0])
    return provider


def facts_provider(*, order: int = 100) -> Callable[[FactsProvider], FactsProvider]:
    """Decorator form of `register_facts`."""

    def decorator(fn: FactsProvider) -> FactsProvider:
        return register_facts(fn, order=order)

    return decorator


def register_payment_alerts(provider: PaymentAlertsProvider) -> PaymentAlertsProvider:
    """`provider(ctx)` returns the alert texts payment entry shows for the account."""
    _PAYMENT_ALERTS[f"{provider.__module__}.{provider.__qualname__}"] = provider
    return provider


def payment_alerts(ctx: PanelContext) -> list[str]:
    """Every registered provider's payment-entry alerts, in registration order."""
    _discover()
    return [text for provider in _PAYMENT_ALERTS.values() for text in provider(ctx)]


def register_history_actions(*, template: str, rows) -> HistoryActions:
    actions = HistoryActions(template, rows)
    _HISTORY_ACTIONS[template] = actions
    return actions


def history_actions(ctx: PanelContext, fts: list) -> dict[int, list[tuple[str, dict]]]:
    """{FT id: [(template, context), ...]} from every registered provider."""
    _discover()
    found: dict[int, list[tuple[str, dict]]] = {}
    for actions in _HISTORY_ACTIONS.values():
        for ft_id, context in actions.rows(ctx, fts).items():
            found.setdefault(ft_id, []).append((actions.template, context))
    return found


def register_todo_source(source_type: str, resolver: TodoSourceResolver) -> TodoSourceResolver:
    """`source_type` is the part before the colon, e.g. "payments.Tender"."""
    _TODO_SOURCES[source_type] = resolver
    return resolver


def todo_source_link(user, source: str) -> RecordLink | None:
    """The record a To Do entry's `source` points at, if its app knows it and this user
    may see it."""
    _discover()
    source_type, _, key = (source or "").partition(":")
    resolver = _TODO_SOURCES.get(source_type)
    if resolver is None or not key:
        return None
    return resolver(user, key)


def register_home_card(
    *,
    key: str,
    title: str,
    order: int,
    template: str,
    context: Callable[[HttpRequest], dict | None],
    permission: str | None = None,
) -> HomeCard:
    card = HomeCard(key, title, order, template, context, permission)
    _HOME_CARDS[key] = card
    return card


def home_cards(request: HttpRequest) -> list[tuple[HomeCard, dict]]:
    """The registered home page cards this user sees, in order, with their context."""
    _discover()
    cards = []
    for card in sorted(_HOME_CARDS.values(), key=lambda c: (c.order, c.key)):
        if card.permission and not request.user.has_perm(card.permission):
            continue
        context = card.context(request)
        if context is not None:
            cards.append((card, context))
    return cards


def _discover() -> None:
    """Import every app's panel.py once. Accounts' own tabs live in accounts/acp/tabs.py
    (they need the selectors, which need this module), so they are imported here too."""
    global _discovered
    if not _discovered:
        import_module("accounts.acp.tabs")
        import_module("accounts.acp.todo")
        autodiscover_modules("panel")
        _discovered = True


def panel_tabs(ctx: PanelContext) -> list[Tab]:
    """The tabs this user sees on this account, in order."""
    _discover()
    return [
        tab
        for tab in sorted(_TABS.values(), key=lambda t: (t.order, t.key))
        if (tab.permission is None or ctx.user.has_perm(tab.permission))
        and (tab.visible is None or tab.visible(ctx))
    ]


def panel_facts(ctx: PanelContext) -> Facts:
    if "facts" not in ctx.memo:
        _discover()
        facts = Facts()
        for _, _, provider in _FACTS:
            provider(ctx, facts)
        ctx.memo["facts"] = facts
    return ctx.memo["facts"]
