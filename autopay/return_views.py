"""/acp/autopay/returns/: the ACH returns screen (issue 10 item 5): the return / NOC files
read, the entries that need a person (exceptions, each with its To Do), and the return
rates per month and per extract with the NACHA levels flagged."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import AchInboundEntry, AchInboundFile
from .return_rates import THRESHOLDS, return_rates_by_extract, return_rates_by_month

VIEW_PERMISSION = "autopay.view_achinboundfile"


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def returns_screen(request: HttpRequest) -> HttpResponse:
    context = {
        "files": AchInboundFile.objects.all()[:50],
        "exceptions": AchInboundEntry.objects.filter(outcome=AchInboundEntry.Outcome.EXCEPTION)
        .select_related("file", "clearing__account")
        .order_by("-created_at", "-pk")[:100],
        "months": return_rates_by_month(months=12, today=timezone.localdate()),
        "extracts": return_rates_by_extract(limit=20),
        "thresholds": THRESHOLDS,
    }
    return render(request, "autopay/returns.html", context)
