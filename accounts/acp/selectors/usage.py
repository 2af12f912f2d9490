"""The Usage tab's reads (seed 004): the metered usage billed on an account's bill
segments, filtered by service and sorted by any column, and the meter detail of the
selected read. Every function is one query; the account is the panel's, already checked
against accounts_visible."""

from dataclasses import dataclass

from django.db.models import QuerySet

from ...models import BillSegmentUsage, SAType

# ?sort= key -> the ORM field it orders by (then newest read, then pk, so ties are stable).
USAGE_SORTS = {
    "previous": "previous_read_date",
    "read_date": "read_date",
    "service": "segment__sa__sa_type__code",
    "rate_code": "rate_code",
    "actual": "actual_quantity",
    "billed": "billed_quantity",
    "adjusted": "adjusted_quantity",
    "unit": "unit",
    "budget": "is_budget",
    "minimum": "minimum_charge",
    "total": "total_charge",
}
DEFAULT_SORT = ("read_date", "desc")
METER_HISTORY = 13  # a year of monthly reads and the one before


def _account_usage(*, account) -> QuerySet[BillSegmentUsage]:
    return BillSegmentUsage.objects.filter(segment__bill__account=account)


def usage_has_records(*, account) -> bool:
    """The tab's red name: one EXISTS over the account's bills' segments."""
    return _account_usage(account=account).exists()


def usage_services(*, account) -> list[SAType]:
    """The metered services this account has usage for (the filter's choices)."""
    services = _account_usage(account=account).values("segment__sa__sa_type")
    return list(SAType.objects.filter(pk__in=services).order_by("code"))


def usage_sort(key: str | None, direction: str | None) -> tuple[str, str]:
    """A known sort key and direction, or the default (newest read first)."""
    if key not in USAGE_SORTS:
        return DEFAULT_SORT
    return key, "desc" if direction == "desc" else "asc"


def usage_rows(
    *, account, service: str = "", sort: tuple[str, str] = DEFAULT_SORT
) -> list[BillSegmentUsage]:
    """The reads billed on the account, each with its meter, service and bill."""
    key, direction = sort
    field = USAGE_SORTS[key]
    order = [f"-{field}" if direction == "desc" else field]
    if key != "read_date":
        order.append("-read_date")
    qs = _account_usage(account=account).select_related(
        "meter", "segment__bill", "segment__sa__sa_type"
    )
    if service:
        qs = qs.filter(segment__sa__sa_type__code=service)
    return list(qs.order_by(*order, "pk"))


@dataclass
class MeterDetail:
    """The lower part of the tab: the selected read's meter and its reads on this account
    up to the selected one, newest first."""

    read: BillSegmentUsage
    reads: list[BillSegmentUsage]

    @property
    def meter(self):
        return self.read.meter


def usage_meter_detail(*, account, read_id: int) -> MeterDetail | None:
    """The selected read with its meter, and that meter's reads on this account up to it
    (a year and the one before): two queries. None when the read is not this account's."""
    related = ("meter__service", "segment__sa__sa_type")
    selected = _account_usage(account=account).select_related(*related).filter(pk=read_id).first()
    if selected is None:
        return None
    reads = list(
        _account_usage(account=account)
        .filter(meter_id=selected.meter_id, read_date__lte=selected.read_date)
        .select_related(*related)
        .order_by("-read_date", "-pk")[:METER_HISTORY]
    )
    return MeterDetail(read=selected, reads=reads)
