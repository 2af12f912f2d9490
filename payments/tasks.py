"""Celery tasks of the payments app: ids in, one service call."""

from celery import shared_task

from .models import ReceiptPrint
from .services.receipts import receipt_send


@shared_task(name="payments.receipt_email")
def receipt_email_task(receipt_id: int) -> None:
    receipt_send(receipt=ReceiptPrint.objects.select_related("payment__account").get(pk=receipt_id))
