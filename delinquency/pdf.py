"""Late notice PDFs (WeasyPrint, imported when used: it is slow to load): one notice, or
the print run of a date (every print copy of its notices, one page each, in one PDF)."""

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from cis.money import money_format

from .models import LateNotice


def _utility() -> dict:
    return {
        "utility_name": getattr(settings, "OPENCIS_UTILITY_NAME", "OpenCIS Utility"),
        "utility_phone": getattr(settings, "OPENCIS_UTILITY_PHONE", ""),
    }


def late_notice_context(*, notice: LateNotice, recipient: dict | None = None) -> dict:
    account = notice.account
    return {
        "notice": notice,
        "account": account,
        "customer": account.customer,
        "location": account.location,
        "recipient": recipient or (notice.recipients[0] if notice.recipients else {}),
        "past_due": money_format(notice.past_due),
        **_utility(),
    }


def late_notice_pdf(*, notice: LateNotice) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "delinquency/notices/notice.html",
        {"pages": [late_notice_context(notice=notice)], "printed_at": timezone.localtime()},
    )
    return HTML(string=html).write_pdf()


def print_run_notices(*, day: dt.date):
    return (
        LateNotice.objects.filter(notice_date=day)
        .select_related("account__customer", "account__location")
        .order_by("account__location__postal_code", "account__number")
    )


def print_run_pages(*, day: dt.date) -> list[dict]:
    """One page per print copy (customers on the print run, contacts by mail)."""
    return [
        late_notice_context(notice=notice, recipient=recipient)
        for notice in print_run_notices(day=day)
        for recipient in notice.recipients
        if recipient["delivery"] == "print"
    ]


def print_run_pdf(*, day: dt.date) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "delinquency/notices/notice.html",
        {"pages": print_run_pages(day=day), "printed_at": timezone.localtime()},
    )
    return HTML(string=html).write_pdf()
