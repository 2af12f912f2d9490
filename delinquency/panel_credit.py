"""The Credit tab of the Account Control Panel and the delinquency alerts (issue 12 items
3, 4 and 6; seed 000 "No Penalty Option for Delinquents", seed 003 step 4.3 / seed 001
step 5.2 "Impact Credit Rating, Cash Only Score").

The tab shows the credit attributes (No Penalty and its expire date; a Supervisor edits
them, everyone else reads them) with their change history, the credit rating and
cash-only score today with every credit event behind them (those past their expiry shown
as fallen off), payments' cash-only threshold, and whether check tenders are refused and
because of which events. Imported by `delinquency/panel.py`.
"""

import datetime as dt
from dataclasses import dataclass, field

from django import forms

from accounts.acp.selectors.changes import changes_for_object
from accounts.models import Account, CreditRatingEvent
from accounts.panel import PanelContext, register_facts, register_payment_alerts, register_tab
from accounts.selectors import BASE_CREDIT_RATING, account_credit_scores
from payments.models import TenderCategory
from payments.services.acceptance import CASH_ONLY_CATEGORIES, cash_only_threshold

from .alerts import alert_facts, cash_only_until, payment_entry_alerts
from .panel_markers import any_of
from .panel_writeoffs import writeoff_context
from .services.credit import PERMISSION, credit_attributes_get

TAB = "credit"
TEMPLATE = "delinquency/credit/tab.html"


class CreditAttributesForm(forms.Form):
    no_penalty = forms.BooleanField(
        required=False,
        label="No Penalty",
        help_text="Late notices still go out; no late charge while set.",
    )
    no_penalty_expires_on = forms.DateField(
        required=False,
        label="No Penalty expire date",
        help_text="The last day without late charges; blank: until cleared.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        # Unchecking No Penalty clears its date (the CSR needn't empty the field too).
        if not data.get("no_penalty"):
            data["no_penalty_expires_on"] = None
        return data


@dataclass
class CreditEventRow:
    event: CreditRatingEvent
    state: str  # in_effect | fallen_off | future
    is_cause: bool = False  # its cash-only points count toward today's score

    @property
    def state_label(self) -> str:
        return {"in_effect": "In effect", "fallen_off": "Fallen off", "future": "Not yet"}[
            self.state
        ]


@dataclass
class CreditSummary:
    rating: int
    cash_score: int
    threshold: int
    cash_only_until: dt.date | None
    events: list[CreditEventRow]
    pay_method_refuses_checks: bool
    base_rating: int = BASE_CREDIT_RATING
    refused: list[str] = field(default_factory=list)  # tender categories payments refuses

    @property
    def cash_only(self) -> bool:
        return self.cash_score >= self.threshold

    @property
    def checks_blocked(self) -> bool:
        return self.cash_only or self.pay_method_refuses_checks

    @property
    def causes(self) -> list[CreditEventRow]:
        return [row for row in self.events if row.is_cause]


def credit_summary(*, account: Account, today: dt.date) -> CreditSummary:
    """The rating and score as payments sees them today, and the events behind them."""
    rating, cash = account_credit_scores(account=account, as_of=today)
    rows = []
    for event in CreditRatingEvent.objects.filter(account=account).order_by("-effective_on", "-pk"):
        if event.effective_on > today:
            state = "future"
        elif event.expires_on is not None and event.expires_on < today:
            state = "fallen_off"
        else:
            state = "in_effect"
        is_cause = state == "in_effect" and event.cash_only_points > 0
        rows.append(CreditEventRow(event, state, is_cause))
    threshold = cash_only_threshold()
    disallowed = set(account.customer.disallowed_pay_methods or [])
    refused = [
        label
        for value, label in TenderCategory.choices
        if value in disallowed or (cash >= threshold and value not in CASH_ONLY_CATEGORIES)
    ]
    return CreditSummary(
        rating=rating,
        cash_score=cash,
        threshold=threshold,
        cash_only_until=cash_only_until(account_id=account.pk, today=today, threshold=threshold)
        if cash >= threshold
        else None,
        events=rows,
        pay_method_refuses_checks=TenderCategory.CHECK in disallowed,
        refused=refused,
    )


def tab_context(ctx: PanelContext, **extra) -> dict:
    attrs = credit_attributes_get(account=ctx.account)
    can_edit = ctx.user.has_perm(PERMISSION)
    data = {
        "attrs": attrs,
        "no_penalty_active": attrs.no_penalty_active(ctx.today),
        "no_penalty_expired": attrs.no_penalty and not attrs.no_penalty_active(ctx.today),
        "can_edit": can_edit,
        "form": None,
        "changes": changes_for_object(instance=attrs) if attrs.pk else [],
        "credit": credit_summary(account=ctx.account, today=ctx.today),
    }
    data.update(writeoff_context(ctx, extra.pop("writeoff_form", None)))
    data.update(extra)
    if data["form"] is None and can_edit:
        data["form"] = CreditAttributesForm(
            initial={
                "no_penalty": attrs.no_penalty,
                "no_penalty_expires_on": attrs.no_penalty_expires_on,
            },
            prefix="credit",
        )
    return data


# No Penalty set, any credit event, or a write-off
has_records = any_of("no_penalty", "credit_events", "write_offs")


register_tab(
    key=TAB,
    label="Credit",
    order=95,
    template=TEMPLATE,
    context=tab_context,
    has_records=has_records,
    permission="delinquency.view_creditattributes",
)
register_facts(alert_facts, order=150)
register_payment_alerts(payment_entry_alerts)
