"""`payment_retry_errors` (seed 003 steps 8.4-8.5) and `payment_staging_purge` (8.6)."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef

from accounts.models import Account, ServiceAgreement
from cis.batch import BatchJob, ChunkResult, register

from ..exceptions import PaymentError
from ..models import DepositStaging, Payment, PaymentStaging, StagingStatus
from ..services.distribution import payment_distribute
from ..services.freeze import payment_freeze


def _accounts_to_retry(business_date: date):
    """Accounts with a payment in Error and an active SA (the work item is the account, so
    the runner's lock comes first: Account before Payment, as everywhere)."""
    active = ServiceAgreement.objects.filter(
        account_id=OuterRef("pk"), status=ServiceAgreement.Status.ACTIVE
    )
    errors = Payment.objects.filter(account_id=OuterRef("pk"), status=Payment.Status.ERROR)
    return Account.objects.filter(Exists(errors), Exists(active))


def payments_retry(accounts: list[Account], business_date: date) -> ChunkResult:
    """Distribute and freeze their payments in Error again (the accounts are locked)."""
    result = ChunkResult()
    payments = Payment.objects.filter(account__in=accounts, status=Payment.Status.ERROR)
    for payment in payments.order_by("pk"):
        payment = payment_distribute(payment=payment)
        if payment.status == Payment.Status.ERROR:
            result.errored += 1
            result.errors.append(f"payment {payment.pk}: {payment.error_message}")
            continue
        try:
            payment_freeze(payment=payment)
        except PaymentError as exc:
            result.errored += 1
            result.errors.append(f"payment {payment.pk}: {exc}")
            continue
        result.done += 1
    return result


def keep_days() -> int:
    return int(getattr(settings, "OPENCIS_STAGING_KEEP_DAYS", 90))


def _old_complete(business_date: date):
    cutoff = business_date - timedelta(days=keep_days())
    return DepositStaging.objects.filter(
        status=StagingStatus.COMPLETE, updated_at__date__lt=cutoff
    ).exclude(tender_stagings__status__in=[s for s in StagingStatus if s != StagingStatus.COMPLETE])


def stagings_purge(deposits: list[DepositStaging], business_date: date) -> ChunkResult:
    """Delete Complete deposit stagings with their (all Complete) tenders and lines."""
    ids = [d.pk for d in deposits]
    if (
        PaymentStaging.objects.filter(tender_staging__deposit_staging__in=ids)
        .exclude(status=StagingStatus.COMPLETE)
        .exists()
    ):
        ids = [
            d.pk
            for d in deposits
            if not PaymentStaging.objects.filter(tender_staging__deposit_staging=d)
            .exclude(status=StagingStatus.COMPLETE)
            .exists()
        ]
    DepositStaging.objects.filter(pk__in=ids).delete()
    return ChunkResult(done=len(ids), skipped=len(deposits) - len(ids))


register(
    BatchJob(
        name="payment_retry_errors",
        description="Retry payments in Error whose account now has an active SA: distribute "
        "and freeze them (locks Account before Payment).",
        select=_accounts_to_retry,
        process=payments_retry,
    )
)
register(
    BatchJob(
        name="payment_staging_purge",
        description="Delete Complete upload staging older than OPENCIS_STAGING_KEEP_DAYS "
        "(default 90); never a record that is not Complete.",
        select=_old_complete,
        process=stagings_purge,
    )
)
