"""The reports of the Reports menu: their columns, filters and how a chunk of query rows
becomes table rows (the same cells for HTML, CSV and PDF)."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import Account, Customer
from delinquency.models import PenaltyDecision
from delinquency.selectors import past_due_accounts
from serviceorders.models import ServiceOrder

from . import forms
from . import selectors as q


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str | None = None  # order_by field (queryset) or attribute (list); None: not sortable
    numeric: bool = False


def money(value) -> str:
    return "" if value is None else f"{Decimal(value):.2f}"


def day(value) -> str:
    return value.isoformat() if value else ""


def yes(value) -> str:
    return "Yes" if value else "No"


def customer_name(row: dict, prefix: str = "customer__") -> str:
    return Customer(
        customer_type=row[prefix + "customer_type"],
        first_name=row[prefix + "first_name"],
        middle_name=row[prefix + "middle_name"],
        last_name=row[prefix + "last_name"],
        business_name=row[prefix + "business_name"],
    ).display_name


ACTIVITY = dict(Account.ActivityStatus.choices)
SERVICE = dict(Account.ServiceStatus.choices)
ORDER_STATUS = dict(ServiceOrder.Status.choices)
OUTCOME = dict(PenaltyDecision.Outcome.choices)
REASON = dict(PenaltyDecision.Reason.choices)


class Report:
    slug = ""
    title = ""
    description = ""
    form_class = forms.ReportForm
    columns: list[Column] = []
    default_sort = ""
    summary_columns: list[Column] | None = None
    summary_title = ""

    def items(self, *, user, data: dict):
        """A queryset of dicts (paged, sorted and streamed in the database) or a list."""
        raise NotImplementedError

    def rows(self, chunk: list, data: dict) -> list[list[str]]:
        raise NotImplementedError

    def summary(self, *, user, data: dict) -> list[list[str]] | None:
        return None

    def caption(self, data: dict) -> str:
        return ""

    def prepare(self, data: dict) -> dict:
        return data


def _account_cells(row: dict) -> list[str]:
    return [
        row["number"],
        customer_name(row),
        row["location__line1"],
        row["location__revenue_class__code"],
        ACTIVITY.get(row["activity_status"], row["activity_status"]),
        money(row["balance"]),
    ]


ACCOUNT_COLUMNS = [
    Column("account", "Account", "number"),
    Column("customer", "Customer", "customer_sort"),
    Column("location", "Location", "location__line1"),
    Column("revenue_class", "Revenue class", "location__revenue_class__code"),
    Column("status", "Status", "activity_status"),
    Column("balance", "Balance", "balance", numeric=True),
]
NO_PENALTY_COLUMNS = [
    Column("no_penalty", "No Penalty", "credit_attributes__no_penalty"),
    Column(
        "no_penalty_expires_on",
        "No Penalty Expire Date",
        "credit_attributes__no_penalty_expires_on",
    ),
]


class NonZeroBalance(Report):
    slug = "non-zero-balance"
    title = "Non-Zero Balance"
    description = "Accounts whose balance is not zero, with the No Penalty flag and expire date."
    form_class = forms.NonZeroBalanceForm
    columns = [*ACCOUNT_COLUMNS, *NO_PENALTY_COLUMNS]
    default_sort = "number"

    def items(self, *, user, data):
        return q.nonzero_balance_accounts(user=user, data=data)

    def rows(self, chunk, data):
        return [
            [
                *_account_cells(r),
                yes(r["credit_attributes__no_penalty"]),
                day(r["credit_attributes__no_penalty_expires_on"]),
            ]
            for r in chunk
        ]


class CreditAttributes(Report):
    slug = "credit-attributes"
    title = "Credit Attributes"
    description = "No Penalty (set, active on a date, expired), credit rating and cash-only score."
    form_class = forms.CreditAttributesForm
    columns = [
        *ACCOUNT_COLUMNS,
        *NO_PENALTY_COLUMNS,
        Column("no_penalty_active", "No Penalty active", "no_penalty_active"),
        Column("credit_rating", "Credit rating", "credit_rating", numeric=True),
        Column("cash_only_score", "Cash-only score", "cash_only_score", numeric=True),
        Column("cash_only", "Cash only", "cash_only_score"),
    ]
    default_sort = "number"

    @staticmethod
    def threshold() -> int:
        return getattr(settings, "OPENCIS_CASH_ONLY_THRESHOLD", 100)

    def items(self, *, user, data):
        return q.credit_attribute_accounts(
            user=user, data=data, cash_only_threshold=self.threshold()
        )

    def rows(self, chunk, data):
        threshold = self.threshold()
        return [
            [
                *_account_cells(r),
                yes(r["credit_attributes__no_penalty"]),
                day(r["credit_attributes__no_penalty_expires_on"]),
                yes(r["no_penalty_active"]),
                str(r["credit_rating"]),
                str(r["cash_only_score"]),
                yes(r["cash_only_score"] >= threshold),
            ]
            for r in chunk
        ]

    def caption(self, data):
        return f"As of {data['on']}; cash only at a score of {self.threshold()} or more."


class AccountGrid(Report):
    slug = "account-grid"
    title = "Grid Report - Account"
    description = (
        "Every account: customer, location, status, balance, past due, No Penalty and "
        "No Penalty Expire Date."
    )
    form_class = forms.AccountGridForm
    columns = [
        *ACCOUNT_COLUMNS[:5],
        Column("service", "Service", "service_status"),
        Column("account_status", "Account status", "customer__account_status__description"),
        ACCOUNT_COLUMNS[5],
        Column("past_due", "Past due", numeric=True),
        Column("oldest_due", "Oldest due"),
        *NO_PENALTY_COLUMNS,
    ]
    default_sort = "number"

    def items(self, *, user, data):
        return q.account_grid_accounts(user=user, data=data)

    def rows(self, chunk, data):
        # The past due of the chunk's accounts in one query (set-based, like the jobs').
        today = timezone.localdate()
        past = {
            p.account_id: p
            for p in past_due_accounts(as_of=today, account_ids=[r["pk"] for r in chunk])
        }
        out = []
        for r in chunk:
            cells = _account_cells(r)
            p = past.get(r["pk"])
            out.append(
                [
                    *cells[:5],
                    SERVICE.get(r["service_status"], r["service_status"]),
                    r["customer__account_status__description"] or "",
                    cells[5],
                    money(p.past_due if p else Decimal("0")),
                    day(p.oldest_due if p else None),
                    yes(r["credit_attributes__no_penalty"]),
                    day(r["credit_attributes__no_penalty_expires_on"]),
                ]
            )
        return out


class AgingSummary(Report):
    slug = "aging"
    title = "Aging summary by revenue class"
    description = "Balances by how late they are (current, 1-30, 31-60, 61-90, over 90 days)."
    form_class = forms.AgingForm
    columns = [
        Column("revenue_class", "Revenue class", "code"),
        Column("description", "Description", "description"),
        Column("accounts", "Accounts", "accounts", numeric=True),
        Column("current", "Current", "current", numeric=True),
        Column("days_1_30", "1-30", "days_0_30", numeric=True),
        Column("days_31_60", "31-60", "days_31_60", numeric=True),
        Column("days_61_90", "61-90", "days_61_90", numeric=True),
        Column("days_over_90", "Over 90", "days_over_90", numeric=True),
        Column("unapplied_credit", "Unapplied credit", "unapplied_credit", numeric=True),
        Column("total", "Total", "balance", numeric=True),
    ]
    default_sort = "code"
    summary_title = "All revenue classes"

    def items(self, *, user, data):
        return q.aging_summary(user=user, data=data)

    @staticmethod
    def _cells(code, description, accounts, values) -> list[str]:
        return [code, description, str(accounts), *(money(v) for v in values)]

    @staticmethod
    def _values(r) -> list:
        return [
            r.current,
            r.days_0_30,
            r.days_31_60,
            r.days_61_90,
            r.days_over_90,
            r.unapplied_credit,
            r.balance,
        ]

    def rows(self, chunk, data):
        return [self._cells(r.code, r.description, r.accounts, self._values(r)) for r in chunk]

    def summary(self, *, user, data):
        rows = data.get("_items")
        if rows is None:
            rows = self.items(user=user, data=data)
        totals = [sum((self._values(r)[i] for r in rows), Decimal("0")) for i in range(7)]
        return [self._cells("Total", "", sum(r.accounts for r in rows), totals)]

    def caption(self, data):
        return f"As of {data['on']}."


def _checks_failed(checks) -> str:
    return "; ".join(
        f"{c.get('rule', '')}: {c.get('detail', '')}".rstrip(": ")
        for c in checks or []
        if not c.get("passed")
    )


class ShutoffCandidates(Report):
    slug = "shutoff-candidates"
    title = "Shut-off candidates"
    description = "The shut-off job's evaluations of a day: eligible or not, why, and the order."
    form_class = forms.ShutoffForm
    columns = [
        Column("account", "Account", "account_number"),
        Column("customer", "Customer", "customer_sort"),
        Column("location", "Location", "account__location__line1"),
        Column("revenue_class", "Revenue class", "account__location__revenue_class__code"),
        Column("eligible", "Eligible", "is_eligible"),
        Column("reason", "Reason", "reason"),
        Column("failed", "Rules not passed"),
        Column("past_due", "Past due", "past_due", numeric=True),
        Column("service_order", "Service order", "service_order__number"),
        Column("order_status", "Order status", "service_order__status"),
    ]
    default_sort = "account_number"

    def prepare(self, data):
        if not data.get("on"):
            data["on"] = q.latest_shutoff_date() or timezone.localdate()
        return data

    def items(self, *, user, data):
        return q.shutoff_evaluations(user=user, data=data)

    def rows(self, chunk, data):
        return [
            [
                r["account_number"],
                customer_name(r, "account__customer__"),
                r["account__location__line1"],
                r["account__location__revenue_class__code"],
                yes(r["is_eligible"]),
                r["reason"],
                _checks_failed(r["checks"]),
                money(r["past_due"]),
                r["service_order__number"] or "",
                ORDER_STATUS.get(r["service_order__status"], "")
                if r["service_order__status"]
                else "",
            ]
            for r in chunk
        ]

    def caption(self, data):
        return f"Evaluated on {data['on']}."


class Penalties(Report):
    slug = "penalties"
    title = "Penalties charged and skipped"
    description = "The penalty job's decisions in a date range: per reason, then each account."
    form_class = forms.PenaltyForm
    columns = [
        Column("date", "Date", "as_of"),
        Column("account", "Account", "account_number"),
        Column("customer", "Customer", "customer_sort"),
        Column("outcome", "Outcome", "outcome"),
        Column("reason", "Reason", "reason"),
        Column("detail", "Detail", "detail"),
        Column("past_due", "Past due", "past_due", numeric=True),
        Column("amount", "Amount", "amount", numeric=True),
    ]
    default_sort = "as_of"
    summary_columns = [
        Column("outcome", "Outcome"),
        Column("reason", "Reason"),
        Column("decisions", "Decisions", numeric=True),
        Column("past_due", "Past due", numeric=True),
        Column("amount", "Amount", numeric=True),
    ]
    summary_title = "By reason"

    def items(self, *, user, data):
        return q.penalty_decisions(user=user, data=data)

    def rows(self, chunk, data):
        return [
            [
                day(r["as_of"]),
                r["account_number"],
                customer_name(r, "account__customer__"),
                OUTCOME.get(r["outcome"], r["outcome"]),
                REASON.get(r["reason"], r["reason"]),
                r["detail"],
                money(r["past_due"]),
                money(r["amount"]),
            ]
            for r in chunk
        ]

    def summary(self, *, user, data):
        rows = q.penalty_summary(user=user, data=data)
        out = [
            [
                OUTCOME.get(r["outcome"], r["outcome"]),
                REASON.get(r["reason"], r["reason"]),
                str(r["decisions"]),
                money(r["past_due"]),
                money(r["amount"]),
            ]
            for r in rows
        ]
        out.append(
            [
                "Total",
                "",
                str(sum(r["decisions"] for r in rows)),
                money(sum((r["past_due"] for r in rows), Decimal("0"))),
                money(sum((r["amount"] for r in rows), Decimal("0"))),
            ]
        )
        return out

    def caption(self, data):
        return f"From {data['date_from']} to {data['date_to']}."


class WriteOffs(Report):
    slug = "write-offs"
    title = "Write-offs"
    description = "Final balances written off: amount, what payments recovered, collections."
    form_class = forms.WriteOffForm
    columns = [
        Column("date", "Date", "written_off_on"),
        Column("account", "Account", "account_number"),
        Column("customer", "Customer", "customer_sort"),
        Column("amount", "Written off", "amount", numeric=True),
        Column("recovered", "Recovered", "recovered", numeric=True),
        Column("remaining", "Remaining", "remaining", numeric=True),
        Column("collections", "Collections referral", "refer_to_collections"),
        Column("referred_on", "Referred on", "referred_on"),
        Column("reason", "Reason", "reason"),
    ]
    default_sort = "written_off_on"
    summary_columns = [
        Column("count", "Write-offs", numeric=True),
        Column("amount", "Written off", numeric=True),
        Column("recovered", "Recovered", numeric=True),
        Column("remaining", "Remaining", numeric=True),
    ]
    summary_title = "Totals"

    def items(self, *, user, data):
        return q.write_offs(user=user, data=data)

    def rows(self, chunk, data):
        return [
            [
                day(r["written_off_on"]),
                r["account_number"],
                customer_name(r, "account__customer__"),
                money(r["amount"]),
                money(r["recovered"]),
                money(r["remaining"]),
                yes(r["refer_to_collections"]),
                day(r["referred_on"]),
                r["reason"],
            ]
            for r in chunk
        ]

    def summary(self, *, user, data):
        t = q.write_off_totals(user=user, data=data)
        return [
            [
                str(t["count"]),
                money(t["amount"]),
                money(t["recovered"]),
                money(t["amount"] - t["recovered"]),
            ]
        ]


REPORTS: dict[str, Report] = {
    r.slug: r
    for r in (
        NonZeroBalance(),
        CreditAttributes(),
        AccountGrid(),
        AgingSummary(),
        ShutoffCandidates(),
        Penalties(),
        WriteOffs(),
    )
}

__all__ = ["REPORTS", "Column", "Report"]
