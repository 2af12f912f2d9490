"""The late notice PDFs: one notice from the Delinquency tab, and the print run of a date
(every print copy of that date's notices in one PDF) with its control page
(/acp/delinquency/notices/)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.acp.views.base import panel_action, require_perm
from accounts.panel import PanelContext

from .models import LateNotice
from .pdf import late_notice_pdf, print_run_pdf

VIEW = "delinquency.view_latenotice"


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@panel_action()
def notice_pdf(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    require_perm(request, VIEW)
    notice = (
        LateNotice.objects.select_related("account__customer", "account__location")
        .filter(pk=pk, account=ctx.account)
        .first()
    )
    if notice is None:
        raise Http404("No such notice on this account.")
    return _pdf(
        late_notice_pdf(notice=notice),
        f"late-notice-{ctx.account.number}-{notice.notice_date:%Y%m%d}.pdf",
    )


@login_required
def print_run(request: HttpRequest, day: str) -> HttpResponse:
    require_perm(request, VIEW)
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404("Not a date.") from None
    return _pdf(print_run_pdf(day=date), f"late-notices-print-run-{date:%Y%m%d}.pdf")


@login_required
def control(request: HttpRequest) -> HttpResponse:
    """The notice runs by date: how many, by which channel, the print run PDF."""
    require_perm(request, VIEW)
    days = (
        LateNotice.objects.values("notice_date")
        .annotate(
            total=Count("pk"),
            printed=Count("pk", filter=Q(delivery=LateNotice.Delivery.PRINT)),
            emailed=Count("pk", filter=Q(delivery=LateNotice.Delivery.EMAIL)),
            email_failed=Count("pk", filter=Q(email_status=LateNotice.EmailStatus.FAILED)),
        )
        .order_by("-notice_date")[:60]
    )
    return render(request, "delinquency/notices/control.html", {"days": days})
