"""ACH return rates (issue 10 item 5; NACHA Operating Rules' return-rate levels), per
extract and per month: of the debit entries sent (clearing records written to an ACH
file), how many came back, by the category of their return code in the ReturnCodeRule
table. Over a level, the rate is flagged:

    unauthorized (R05, R07, R10, R11, R29, R51)   0.5 %
    administrative (R02, R03, R04 and the table's other "administrative" codes)   3 %
    overall (every return)   15 %

A month counts the entries extracted in that month (by the extract's business date), so
a return that arrives in March for a February entry counts for February.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from .models import AchExtract, Clearing, Enrollment, ReturnCodeRule

Category = ReturnCodeRule.Category
THRESHOLDS = {
    "unauthorized": Decimal("0.5"),
    "administrative": Decimal("3"),
    "overall": Decimal("15"),
}


@dataclass(frozen=True)
class Rate:
    name: str
    returns: int
    entries: int
    threshold: Decimal

    @property
    def percent(self) -> Decimal:
        if not self.entries:
            return Decimal("0.00")
        return (Decimal(self.returns) * 100 / self.entries).quantize(Decimal("0.01"))

    @property
    def flagged(self) -> bool:
        return self.percent > self.threshold


@dataclass(frozen=True)
class ReturnRates:
    label: str
    entries: int
    unauthorized: Rate
    administrative: Rate
    overall: Rate

    @property
    def rates(self) -> list[Rate]:
        return [self.unauthorized, self.administrative, self.overall]

    @property
    def flagged(self) -> bool:
        return any(rate.flagged for rate in self.rates)

    def line(self) -> str:
        parts = [
            f"{r.name} {r.returns} ({r.percent}%)" + (f" OVER {r.threshold}%" if r.flagged else "")
            for r in self.rates
        ]
        return f"{self.label}: {self.entries} entries; " + ", ".join(parts)


def _codes_by_category() -> dict[str, set[str]]:
    codes: dict[str, set[str]] = {}
    for code, category in ReturnCodeRule.objects.values_list("code", "category"):
        codes.setdefault(category, set()).add(code)
    return codes


def _rates(label: str, clearings: QuerySet) -> ReturnRates:
    codes = _codes_by_category()
    returned = Q(status=Clearing.Status.RETURNED)
    counts = clearings.aggregate(
        entries=Count("pk"),
        overall=Count("pk", filter=returned),
        unauthorized=Count(
            "pk", filter=returned & Q(return_code__in=codes.get(Category.UNAUTHORIZED, ()))
        ),
        administrative=Count(
            "pk", filter=returned & Q(return_code__in=codes.get(Category.ADMINISTRATIVE, ()))
        ),
    )
    entries = counts["entries"]

    def rate(name: str) -> Rate:
        return Rate(name, counts[name], entries, THRESHOLDS[name])

    return ReturnRates(
        label=label,
        entries=entries,
        unauthorized=rate("unauthorized"),
        administrative=rate("administrative"),
        overall=rate("overall"),
    )


def _sent() -> QuerySet:
    """Debit entries that went to the bank in an ACH file."""
    return Clearing.objects.filter(kind=Enrollment.Kind.DRAFT, extract__isnull=False)


def return_rates(*, extract: AchExtract | None = None, month: dt.date | None = None) -> ReturnRates:
    """The rates of one extract, or of one calendar month (any day of it), or of
    everything sent when neither is given."""
    if extract is not None:
        label = f"extract {extract.pk} ({extract.business_date})"
        return _rates(label, _sent().filter(extract=extract))
    if month is not None:
        first = month.replace(day=1)
        after = (first + dt.timedelta(days=32)).replace(day=1)
        clearings = _sent().filter(
            extract__business_date__gte=first, extract__business_date__lt=after
        )
        return _rates(f"{first:%Y-%m}", clearings)
    return _rates("all", _sent())


def return_rates_by_month(*, months: int = 12, today: dt.date | None = None) -> list[ReturnRates]:
    """The last `months` calendar months, newest first."""
    day = (today or dt.date.today()).replace(day=1)
    found = []
    for _ in range(months):
        found.append(return_rates(month=day))
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return found


def return_rates_by_extract(*, limit: int = 20) -> list[ReturnRates]:
    extracts = AchExtract.objects.filter(kind=Enrollment.Kind.DRAFT).order_by(
        "-business_date", "-pk"
    )[:limit]
    return [return_rates(extract=e) for e in extracts]


__all__ = [
    "Rate",
    "ReturnRates",
    "return_rates",
    "return_rates_by_extract",
    "return_rates_by_month",
]
