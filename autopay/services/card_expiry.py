"""Cards on file that expire (issue 10 item 6; seed 001 step 1.5: C1-NotifyExpiringCreditCard,
CI_StopExpiredCreditCard).

- A running card enrollment whose card expires within OPENCIS_CARD_EXPIRY_NOTICE_DAYS (30)
  days gets one expiring-card email, once per expiry date (`expiry_notice_for`): a new card
  has its own date, and a new token resets the notice (autopay_change). No email on file:
  a To Do (TD-APCEX) asks a CSR to call the customer for a new card.
- An enrollment whose card expired before the business date is stopped with reason
  card_expired (by the batch: no user), and the customer is told by email when we can.
Emails go after the transaction commits.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q, QuerySet

from accounts.models import CustomerEmail
from accounts.services.work import todo_create

from ..models import Enrollment
from .enrollment import autopay_stop
from .notices import payment_method_text

logger = logging.getLogger(__name__)

TODO_TYPE = "TD-APCEX"


def _cards_running(business_date: dt.date) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(
        kind=Enrollment.Kind.CARD, stopped_on__isnull=True, card_expires_on__isnull=False
    ).filter(Q(end_on__isnull=True) | Q(end_on__gte=business_date))


def card_expiry_due(*, business_date: dt.date) -> QuerySet[Enrollment]:
    """Card enrollments with something to do on `business_date`: expired (to stop), or
    expiring within the notice days and not yet told about this expiry date."""
    horizon = business_date + dt.timedelta(days=settings.OPENCIS_CARD_EXPIRY_NOTICE_DAYS)
    not_told = Q(expiry_notice_for__isnull=True) | ~Q(expiry_notice_for=F("card_expires_on"))
    return _cards_running(business_date).filter(
        Q(card_expires_on__lt=business_date) | (Q(card_expires_on__lte=horizon) & not_told)
    )


def _primary_email(enrollment: Enrollment) -> str:
    return (
        CustomerEmail.objects.filter(customer_id=enrollment.account.customer_id, is_primary=True)
        .values_list("address", flat=True)
        .first()
        or ""
    )


def card_expiry_process(*, enrollment: Enrollment, business_date: dt.date) -> str:
    """Stop (expired) or warn (expiring) one card enrollment; returns "stopped", "notified"
    or "todo" (warned through a To Do: no email on file). The caller holds its row lock."""
    enrollment = Enrollment.objects.select_related("account__customer").get(pk=enrollment.pk)
    if enrollment.card_expires_on < business_date:
        return card_expired_stop(enrollment=enrollment, business_date=business_date)
    return card_expiry_notify(enrollment=enrollment, business_date=business_date)


def card_expiry_notify(*, enrollment: Enrollment, business_date: dt.date) -> str:
    to = _primary_email(enrollment)
    enrollment.expiry_notice_sent_on = business_date
    enrollment.expiry_notice_for = enrollment.card_expires_on
    enrollment.save(update_fields=["expiry_notice_sent_on", "expiry_notice_for"])
    expires = f"{enrollment.card_expires_on:%m/%Y}"
    if not to:
        todo_create(
            type_code=TODO_TYPE,
            subject=f"Autopay card expires {expires}: ask the customer for a new card",
            detail=f"{payment_method_text(enrollment)}; no email address on file.",
            account=enrollment.account,
            source=f"autopay.Enrollment:{enrollment.pk}",
        )
        return "todo"
    subject = f"The card paying account {enrollment.account.number} expires {expires}"
    body = (
        f"Dear {enrollment.account.customer.display_name},\n\n"
        f"Your {payment_method_text(enrollment)} pays your utility bills for account "
        f"{enrollment.account.number} automatically. It expires at the end of {expires}. "
        "Please give us your new card before then, through the self-care portal or by "
        "calling us; otherwise automatic payment stops when the card expires.\n"
    )
    _email_after_commit(enrollment.pk, subject, body, to)
    return "notified"


def card_expired_stop(*, enrollment: Enrollment, business_date: dt.date) -> str:
    expires = f"{enrollment.card_expires_on:%m/%Y}"
    autopay_stop(
        enrollment=enrollment,
        user=None,
        reason=Enrollment.StopReason.CARD_EXPIRED,
        comment=f"{payment_method_text(enrollment)} expired {expires}",
        on=business_date,
    )
    to = _primary_email(enrollment)
    if to:
        body = (
            f"Dear {enrollment.account.customer.display_name},\n\n"
            f"Your {payment_method_text(enrollment)} expired at the end of {expires}, so "
            f"automatic payment of account {enrollment.account.number} has stopped. To "
            "start it again, set up a new card through the self-care portal or call us.\n"
        )
        subject = f"Automatic payment of account {enrollment.account.number} stopped"
        _email_after_commit(enrollment.pk, subject, body, to)
    return "stopped"


def _email_after_commit(enrollment_id: int, subject: str, body: str, to: str) -> None:
    def send() -> None:
        try:
            EmailMessage(subject=subject, body=body, to=[to]).send()
        except Exception as err:  # noqa: BLE001 - any failure must reach a person
            logger.exception("autopay card email for enrollment %s not sent", enrollment_id)
            enrollment = Enrollment.objects.select_related("account").get(pk=enrollment_id)
            with transaction.atomic():
                todo_create(
                    type_code=TODO_TYPE,
                    subject=f"Autopay card email failed: {subject}"[:200],
                    detail=f"{type(err).__name__}: {err}"[:500],
                    account=enrollment.account,
                    source=f"autopay.Enrollment:{enrollment_id}",
                )

    transaction.on_commit(send)
