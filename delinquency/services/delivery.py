"""Email delivery of late notices (the `late_notice_delivery` job): apart from the notice
run, so the nightly notices of 100,000 accounts are a few bulk inserts and the PDFs are
rendered only for the notices that are emailed. Each email recipient (the customer who
takes email notices, contacts who receive duplicates by email) gets their own message with
the PDF attached. A failure is recorded on the notice (`email_status` failed, the error)
and counted in the run; print copies are on the date's print run."""

import datetime as dt
import logging

from django.core.mail import EmailMessage
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from ..models import LateNotice
from ..pdf import late_notice_context, late_notice_pdf

log = logging.getLogger(__name__)


def notices_to_email(*, business_date: dt.date) -> QuerySet[LateNotice]:
    return LateNotice.objects.filter(
        email_status=LateNotice.EmailStatus.PENDING, notice_date__lte=business_date
    )


def late_notice_email(*, notice: LateNotice) -> str:
    """Send the notice's email copies; returns "" or the error. The caller holds the
    notice's row lock (the batch job), so a copy is sent once."""
    notice = LateNotice.objects.select_related("account__customer", "account__location").get(
        pk=notice.pk
    )
    context = late_notice_context(notice=notice)
    try:
        pdf = late_notice_pdf(notice=notice)
        for recipient in notice.recipients:
            if recipient["delivery"] != "email":
                continue
            message = EmailMessage(
                subject=f"Past-due notice for account {notice.account.number}",
                body=render_to_string(
                    "delinquency/notices/email.txt", {**context, "recipient": recipient}
                ),
                to=[recipient["to"]],
            )
            message.attach(
                f"late-notice-{notice.account.number}-{notice.notice_date:%Y%m%d}.pdf",
                pdf,
                "application/pdf",
            )
            message.send()
    except Exception as err:  # noqa: BLE001 - recorded on the notice and in the run
        log.exception("late notice %s not emailed", notice.pk)
        notice.email_status = LateNotice.EmailStatus.FAILED
        notice.email_error = f"{type(err).__name__}: {err}"[:300]
        notice.save(update_fields=["email_status", "email_error"])
        return notice.email_error
    notice.email_status = LateNotice.EmailStatus.SENT
    notice.emailed_at = timezone.now()
    notice.save(update_fields=["email_status", "emailed_at"])
    return ""
