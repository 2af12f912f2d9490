"""The Reports menu (/acp/reports/) and the reports: HTML (filters, sortable columns, pages
of PAGE_SIZE), CSV (?format=csv, streamed in chunks of CHUNK rows: one query per chunk, so
100,000 rows never sit in memory) and PDF (?format=pdf, WeasyPrint, the first PDF_MAX_ROWS
rows in the chosen order; the CSV has them all)."""

import csv
from itertools import islice

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .catalog import REPORTS, Report

PERMISSION = "delinquency.view_reports"
PAGE_SIZE = 100
CHUNK = 2000
PDF_MAX_ROWS = 500


def _need(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def menu(user) -> list[dict]:
    """The Reports menu: ours, and the other apps' reports the user may open."""
    entries = [
        {
            "title": r.title,
            "description": r.description,
            "url": reverse("delinquency_reports:report", args=[r.slug]),
            "formats": ["HTML", "CSV", "PDF"],
        }
        for r in REPORTS.values()
    ]
    if user.has_perm("serviceorders.view_serviceorder"):
        entries.append(
            {
                "title": "Auto-reconnects",
                "description": "Shut-off accounts that paid on a day: reconnected or why not.",
                "url": reverse("serviceorders:reconnects"),
                "formats": ["HTML", "CSV"],
            }
        )
    return entries


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _need(request)
    return render(request, "delinquency/reports/index.html", {"reports": menu(request.user)})


def _sorted(report: Report, items, key: str, descending: bool):
    columns = {c.key: c for c in report.columns if c.sort}
    column = columns.get(key)
    field = column.sort if column else report.default_sort
    if isinstance(items, QuerySet):
        expr = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_first=True)
        return items.order_by(expr, "pk")
    return sorted(items, key=lambda r: getattr(r, field), reverse=descending)


class _Echo:
    def write(self, value):
        return value


def _chunks(items):
    iterator = items.iterator(chunk_size=CHUNK) if isinstance(items, QuerySet) else iter(items)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _csv(report: Report, items, data: dict, part: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        if part == "summary":
            yield writer.writerow([c.label for c in report.summary_columns or report.columns])
            for row in report.summary(user=data["_user"], data=data) or []:
                yield writer.writerow(row)
            return
        yield writer.writerow([c.label for c in report.columns])
        for chunk in _chunks(items):
            for row in report.rows(chunk, data):
                yield writer.writerow(row)

    stamp = timezone.localdate().isoformat()
    name = f"{report.slug}{'-summary' if part == 'summary' else ''}-{stamp}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pdf(report: Report, items, data: dict, context: dict) -> HttpResponse:
    from weasyprint import HTML

    first = list(items[: PDF_MAX_ROWS + 1])
    total = items.count() if isinstance(items, QuerySet) else len(items)
    html = render_to_string(
        "delinquency/reports/pdf.html",
        {
            **context,
            "rows": report.rows(first[:PDF_MAX_ROWS], data),
            "total": total,
            "shown": min(total, PDF_MAX_ROWS),
            "truncated": total > PDF_MAX_ROWS,
            "printed_at": timezone.localtime(),
        },
    )
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'inline; filename="{report.slug}-{stamp}.pdf"'
    return response


@login_required
def report(request: HttpRequest, slug: str) -> HttpResponse:
    _need(request)
    report = REPORTS.get(slug)
    if report is None:
        raise Http404("No such report.")
    params = request.GET
    fmt = params.get("format", "html")
    if fmt not in ("html", "csv", "pdf"):
        raise Http404("No such format.")
    filters = {
        k: v for k, v in params.items() if k not in ("format", "page", "sort", "dir", "part")
    }
    form = report.form_class(filters or None)
    invalid = form.is_bound and not form.is_valid()
    if invalid and fmt != "html":
        return HttpResponse(
            " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain",
        )
    data = report.prepare(form.values())
    data["_user"] = request.user
    sort = params.get("sort", "")
    descending = params.get("dir") == "desc"
    items = (
        []
        if invalid
        else _sorted(report, report.items(user=request.user, data=data), sort, descending)
    )
    if isinstance(items, list):
        data["_items"] = items
    if fmt == "csv":
        return _csv(report, items, data, params.get("part", ""))

    query = params.copy()
    for name in ("page", "format", "part"):
        query.pop(name, None)
    filter_query = query.copy()
    filter_query.pop("sort", None)
    filter_query.pop("dir", None)
    active = sort if sort in {c.key for c in report.columns if c.sort} else ""
    headers = []
    for c in report.columns:
        link = None
        if c.sort:
            q = filter_query.copy()
            q["sort"] = c.key
            q["dir"] = "desc" if active == c.key and not descending else "asc"
            link = "?" + q.urlencode()
        order = ""
        if active == c.key:
            order = "descending" if descending else "ascending"
        headers.append({"column": c, "link": link, "order": order})
    summary = None if invalid else report.summary(user=request.user, data=data)
    context = {
        "report": report,
        "form": form,
        "headers": headers,
        "columns": report.columns,
        "summary": summary,
        "summary_columns": report.summary_columns or report.columns,
        "caption": "" if invalid else report.caption(data),
    }
    if fmt == "pdf":
        return _pdf(report, items, data, context)
    page = Paginator(items, PAGE_SIZE).get_page(params.get("page"))
    context.update(
        page=page,
        rows=report.rows(list(page.object_list), data),
        query=query.urlencode(),
        menu=menu(request.user),
    )
    return render(
        request, "delinquency/reports/report.html", context, status=422 if invalid else 200
    )
