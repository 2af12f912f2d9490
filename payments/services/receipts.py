"""Receipts for frozen payments (seed 003 steps 3.5-3.7): short, long and bill-stub PDFs,
printed or emailed; every receipt after the first is labelled DUPLICATE."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cis.money import ZERO, money_format

from ..exceptions import PaymentStateError
from ..lock_objects import payment_qs_select_for_update
from ..models import Payment, ReceiptPrint, Tender
from ..selectors import deferred_charges_of, payment_balance_after, payment_detail


def receipt_render(*, payment: Payment, layout: str, duplicate: bool) -> bytes:
    """The receipt PDF (WeasyPrint; imported here, it is slow to load)."""
    from weasyprint import HTML

    payment = payment_detail(pk=payment.pk)
    deferred = deferred_charges_of(payment=payment)
    html = render_to_string(
        "payments/receipts/receipt.html",
        {
            "payment": payment,
            "format": layout,
            "duplicate": duplicate,
            "tenders": [t for t in payment.event.tenders.all() if t.status == Tender.Status.VALID],
            "segments": list(payment.segments.all()),
            # not today's (issue 8 item 5); the payment's deferred charges post with it
            "balance": payment_balance_after(payment=payment)
            + sum((c.amount for c in deferred), ZERO),
            "deferred": deferred,
            "today": timezone.localdate(),
            "utility_name": getattr(settings, "OPENCIS_UTILITY_NAME", "OpenCIS Utility"),
        },
    )
    return HTML(string=html).write_pdf()


def _record(*, payment: Payment, layout: str, user, emailed_to: str = "") -> ReceiptPrint:
    payment = payment_qs_select_for_update().get(pk=payment.pk)
    if payment.status != Payment.Status.FROZEN:
        raise PaymentStateError(
            f"payment {payment.pk} is {payment.status}: only a frozen payment has a receipt"
        )
    if layout not in ReceiptPrint.Format.values:
        raise ValueError(f"unknown receipt layout {layout!r}")
    return ReceiptPrint.objects.create(
        payment=payment,
        format=layout,
        is_duplicate=payment.receipts.exists(),
        emailed_to=emailed_to,
        printed_by=user,
    )


@transaction.atomic
def receipt_print(*, payment: Payment, layout: str = "short", user=None) -> bytes:
    """Record a print and return the PDF; a reprint says DUPLICATE."""
    receipt = _record(payment=payment, layout=layout, user=user)
    return receipt_render(payment=payment, layout=layout, duplicate=receipt.is_duplicate)


@transaction.atomic
def receipt_email(*, payment: Payment, to: str, layout: str = "short", user=None) -> ReceiptPrint:
    """Record an emailed receipt; the email (PDF attached) is sent after commit by a task."""
    from ..tasks import receipt_email_task

    receipt = _record(payment=payment, layout=layout, user=user, emailed_to=to)
    transaction.on_commit(lambda: receipt_email_task.delay(receipt.pk))
    return receipt


def receipt_send(*, receipt: ReceiptPrint) -> None:
    """Send one recorded receipt by email (called by the task, outside any lock)."""
    from django.core.mail import EmailMessage

    pdf = receipt_render(
        payment=receipt.payment, layout=receipt.format, duplicate=receipt.is_duplicate
    )
    message = EmailMessage(
        subject=f"Your payment receipt {receipt.payment_id}",
        body=(
            f"Thank you for your payment of {money_format(receipt.payment.amount)} to account "
            f"{receipt.payment.account.number}. Your receipt is attached."
        ),
        to=[receipt.emailed_to],
    )
    message.attach(f"receipt-{receipt.payment_id}.pdf", pdf, "application/pdf")
    message.send()
