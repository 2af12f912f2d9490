"""payment_frozen -> write-off recovery; payment_cancelled -> the recovery reversed (both
sent after commit, for online, bulk / upload, webhook and autopay posting alike; README
"Write-offs")."""

from django.dispatch import receiver

from payments.signals import payment_cancelled, payment_frozen

from .services.writeoffs import payments_recover, recoveries_reverse


@receiver(payment_frozen, dispatch_uid="delinquency_writeoff_recovery")
def payment_frozen_writeoff(sender, *, payment_ids, account_ids, **kwargs) -> None:
    payments_recover(payment_ids=list(payment_ids), account_ids=list(account_ids))


@receiver(payment_cancelled, dispatch_uid="delinquency_writeoff_recovery_reverse")
def payment_cancelled_writeoff(sender, *, payment_ids, account_ids, **kwargs) -> None:
    recoveries_reverse(payment_ids=list(payment_ids), account_ids=list(account_ids))
