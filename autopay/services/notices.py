"""Advance notice of an automatic payment of varying amount (Reg E 1005.10(d); issue 10
item 4): the customer learns the amount and the debit date at least
OPENCIS_AUTOPAY_NOTICE_DAYS (10) days before the debit, by email with a PDF.

Decisions (README "Autopay notices and card expiry"):
- Every clearing record whose enrollment asked for notices (`notice_due`) gets its notice
  once, as soon as the job sees it, as long as the debit has not happened (not cancelled,
  returned or extracted, debit date not past). A notice sent with fewer than the notice
  days left is still sent (the customer is better told late than not at all), marked
  late, and a To Do (TD-APNTC) asks a CSR to decide whether to hold the draft: Reg E
  wants the ten days, and only a person can call the customer or postpone the debit.
- No primary email on file: the notice is to be mailed. A To Do (TD-APNTC) asks a CSR to
  print it (the PDF link on the Auto Payment sub-tab) and mail it; the record says
  "mail". Either way `notice_sent_at` is set, so a re-run does nothing twice.
- The email (PDF rendered then) is sent after the transaction commits, outside the row
  locks; a failed send raises a To Do instead of passing silently.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import CustomerEmail
from accounts.services.work import todo_create
from cis.money import money_format

from ..models import Clearing, Enrollment
from .enrollment import bank_name

logger = logging.getLogger(__name__)

TODO_TYPE = "TD-APNTC"
# Still on its way to the bank: a notice can come before the debit.
NOTICE_STATUSES = [
    Clearing.Status.PENDING,
    Clearing.Status.CREATED,
    Clearing.Status.FROZEN,
    Clearing.Status.ACTIVATED,
]


def notice_days() -> int:
    return settings.OPENCIS_AUTOPAY_NOTICE_DAYS


def advance_notices_due(*, business_date: dt.date) -> QuerySet[Clearing]:
    """Clearing records whose advance notice is still to send on `business_date`."""
    return Clearing.objects.filter(
        notice_due=True,
        notice_sent_at__isnull=True,
        status__in=NOTICE_STATUSES,
        gl_distribution_on__gte=business_date,
    )


def _primary_email(clearing: Clearing) -> str:
    return (
        CustomerEmail.objects.filter(customer_id=clearing.account.customer_id, is_primary=True)
        .values_list("address", flat=True)
        .first()
        or ""
    )


def _utility() -> dict:
    return {
        "utility_name": getattr(settings, "OPENCIS_UTILITY_NAME", "OpenCIS Utility"),
        "utility_phone": getattr(settings, "OPENCIS_UTILITY_PHONE", ""),
    }


def payment_method_text(enrollment: Enrollment) -> str:
    """ "Bank of X checking account ••••6789" or "visa card ••••4242": masked only."""
    if enrollment.kind == Enrollment.Kind.DRAFT:
        bank = bank_name(enrollment.routing_number) or f"bank {enrollment.routing_number}"
        return f"{bank} {enrollment.bank_account_type} account {enrollment.masked_number}"
    return f"{enrollment.card_brand or 'card'} card {enrollment.masked_number}".strip()


def advance_notice_context(*, clearing: Clearing) -> dict:
    enrollment = clearing.enrollment
    account = clearing.account
    return {
        "clearing": clearing,
        "account": account,
        "customer": account.customer,
        "address": account.customer.addresses.filter(is_primary=True).first(),
        "enrollment": enrollment,
        "method": payment_method_text(enrollment),
        "amount": money_format(clearing.amount),
        "debit_on": clearing.gl_distribution_on,
        "today": timezone.localdate(),
        **_utility(),
    }


def advance_notice_pdf(*, clearing: Clearing) -> bytes:
    """The notice as a PDF (WeasyPrint, imported here: it is slow to load)."""
    from weasyprint import HTML

    html = render_to_string("autopay/notice.html", advance_notice_context(clearing=clearing))
    return HTML(string=html).write_pdf()


def advance_notice_send(*, clearing: Clearing, business_date: dt.date) -> str:
    """Record the notice of one locked clearing record and queue its email (after commit);
    returns "email" or "mail". The caller holds the clearing's row lock (the batch job)."""
    clearing = Clearing.objects.select_related("account__customer", "enrollment").get(
        pk=clearing.pk
    )
    days_left = (clearing.gl_distribution_on - business_date).days
    late = days_left < notice_days()
    to = _primary_email(clearing)
    clearing.notice_sent_at = timezone.now()
    clearing.notice_via = "email" if to else "mail"
    clearing.notice_sent_to = to
    clearing.notice_late = late
    clearing.save(update_fields=["notice_sent_at", "notice_via", "notice_sent_to", "notice_late"])
    what = f"{money_format(clearing.amount)} on {clearing.gl_distribution_on:%m/%d/%Y}"
    if not to:
        notice_todo(
            clearing, f"Mail the autopay advance notice: {what}", "No email address on file."
        )
    elif late:
        notice_todo(
            clearing,
            f"Autopay advance notice sent late: {what}",
            f"Sent {days_left} day(s) before the debit, fewer than the {notice_days()} "
            "Reg E asks for: call the customer, or postpone or cancel the draft.",
        )
    if to:
        pk = clearing.pk
        transaction.on_commit(lambda: advance_notice_email(clearing_id=pk))
    return clearing.notice_via


def notice_todo(clearing: Clearing, subject: str, detail: str) -> None:
    todo_create(
        type_code=TODO_TYPE,
        subject=subject[:200],
        detail=detail,
        account=clearing.account,
        source=f"autopay.Clearing:{clearing.pk}",
    )


def advance_notice_email(*, clearing_id: int) -> None:
    """Send one recorded notice (after commit, no locks held). A failure is logged and
    becomes a To Do: the record already says sent, so nobody would notice otherwise."""
    clearing = Clearing.objects.select_related("account__customer", "enrollment").get(
        pk=clearing_id
    )
    context = advance_notice_context(clearing=clearing)
    try:
        message = EmailMessage(
            subject=(
                f"Automatic payment of {context['amount']} on "
                f"{clearing.gl_distribution_on:%m/%d/%Y} for account {clearing.account.number}"
            ),
            body=render_to_string("autopay/notice_email.txt", context),
            to=[clearing.notice_sent_to],
        )
        message.attach(
            f"autopay-notice-{clearing.account.number}-{clearing.pk}.pdf",
            advance_notice_pdf(clearing=clearing),
            "application/pdf",
        )
        message.send()
    except Exception as err:  # noqa: BLE001 - any failure must reach a person
        logger.exception("autopay advance notice %s not sent", clearing_id)
        with transaction.atomic():
            notice_todo(
                clearing,
                "Autopay advance notice email failed: send or mail it",
                f"{type(err).__name__}: {err}"[:500],
            )
