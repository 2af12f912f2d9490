"""payment_frozen -> auto-reconnect and pending disconnect cancel (sent after commit, for
online, bulk / upload, webhook and autopay posting alike)."""

from django.dispatch import receiver

from payments.signals import payment_frozen

from .services.reconnect import payments_frozen_handle


@receiver(payment_frozen, dispatch_uid="serviceorders_auto_reconnect")
def payment_frozen_reconnect(sender, *, payment_ids, account_ids, **kwargs) -> None:
    payments_frozen_handle(payment_ids=list(payment_ids), account_ids=list(account_ids))
