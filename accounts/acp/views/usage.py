"""The Usage tab (seed 004): the reads billed on the account's bill segments, filtered by
service or all metered services at once, sorted by any column (a header click sorts up,
a second click down), and the meter detail of the row selected below them.

Read only, and a tab like the others: the panel's URL resolves the account through
accounts_visible, so a private account is the panel's 404 here too. State lives in the
query string (?service=&sort=&dir=&read=), so every view of the tab is a link."""

from urllib.parse import urlencode

from ...panel import PanelContext
from ..selectors.usage import (
    usage_has_records,
    usage_meter_detail,
    usage_rows,
    usage_services,
    usage_sort,
)

TEMPLATE = "accounts/acp/tabs/usage.html"
# (sort key, header, numeric column)
COLUMNS = [
    ("previous", "Previous read", False),
    ("read_date", "Read date", False),
    ("service", "Service", False),
    ("rate_code", "Rate code", False),
    ("actual", "Actual", True),
    ("billed", "Billed", True),
    ("adjusted", "Adjusted", True),
    ("unit", "Unit", False),
    ("budget", "Budget", False),
    ("minimum", "Minimum charge", True),
    ("total", "Total charge", True),
]


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def usage_context(ctx: PanelContext) -> dict:
    params = ctx.request.GET
    services = usage_services(account=ctx.account)
    service = params.get("service", "")
    if service not in {s.code for s in services}:
        service = ""
    sort, direction = usage_sort(params.get("sort"), params.get("dir"))
    rows = usage_rows(account=ctx.account, service=service, sort=(sort, direction))
    read_id = params.get("read", "")
    detail = (
        usage_meter_detail(account=ctx.account, read_id=int(read_id))
        if read_id.isdigit() and len(read_id) < 19
        else None
    )
    columns = []
    for key, label, numeric in COLUMNS:
        # Once sorts up, again (on the column sorted up) down.
        next_dir = "desc" if key == sort and direction == "asc" else "asc"
        columns.append(
            {
                "key": key,
                "label": label,
                "numeric": numeric,
                "query": _query(service=service, sort=key, dir=next_dir),
                "aria_sort": (
                    ("ascending" if direction == "asc" else "descending") if key == sort else ""
                ),
            }
        )
    base = _query(service=service, sort=sort, dir=direction)
    return {
        "usage_rows": rows,
        "usage_services": services,
        "usage_service": service,
        "usage_columns": columns,
        "usage_query": base,
        "usage_detail": detail,
    }


def usage_tab_has_records(ctx: PanelContext) -> bool:
    return usage_has_records(account=ctx.account)
