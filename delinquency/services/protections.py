"""Shut-off protections a Supervisor records on the account (issue 12 item 7): medical
certificates (renewals capped per rolling year, `OPENCIS_MEDICAL_RENEWALS_PER_YEAR`) and
bill disputes (open until resolved). Each service locks the account first."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.lock_objects import accounts_lock
from accounts.models import Account, Bill

from ..lock_objects import dispute_qs_select_for_update
from ..models import BillDispute, MedicalCertificate

YEAR = dt.timedelta(days=365)


def renewals_per_year() -> int:
    return getattr(settings, "OPENCIS_MEDICAL_RENEWALS_PER_YEAR", 2)


def renewals_in_year(*, account: Account, on: dt.date) -> int:
    """Renewals certified in the rolling year ending on `on`."""
    return MedicalCertificate.objects.filter(
        account=account,
        renews__isnull=False,
        certified_on__gt=on - YEAR,
        certified_on__lte=on,
    ).count()


def _check_dates(certified_on: dt.date, expires_on: dt.date) -> None:
    if expires_on < certified_on:
        raise ValidationError({"expires_on": "The certificate expires before it is certified."})


@transaction.atomic
def medical_certificate_create(
    *,
    account: Account,
    certified_on: dt.date,
    expires_on: dt.date,
    certifier: str,
    user=None,
) -> MedicalCertificate:
    """A first certificate (not a renewal: no cap)."""
    accounts_lock([account.pk])
    certifier = (certifier or "").strip()
    if not certifier:
        raise ValidationError({"certifier": "Name the physician or agency."})
    _check_dates(certified_on, expires_on)
    return MedicalCertificate.objects.create(
        account=account,
        certified_on=certified_on,
        expires_on=expires_on,
        certifier=certifier,
        created_by=user,
    )


@transaction.atomic
def medical_certificate_renew(
    *,
    certificate: MedicalCertificate,
    expires_on: dt.date,
    certified_on: dt.date | None = None,
    certifier: str = "",
    user=None,
) -> MedicalCertificate:
    """Renew a certificate. Refused once the account has had the configured number of
    renewals in the rolling year ending on the new certificate's date."""
    (account,) = accounts_lock([certificate.account_id])
    certified_on = certified_on or timezone.localdate()
    _check_dates(certified_on, expires_on)
    cap = renewals_per_year()
    used = renewals_in_year(account=account, on=certified_on)
    if used >= cap:
        raise ValidationError(
            f"This account has had {used} medical certificate renewal(s) in the last year; "
            f"the limit is {cap}."
        )
    return MedicalCertificate.objects.create(
        account=account,
        certified_on=certified_on,
        expires_on=expires_on,
        certifier=(certifier or "").strip() or certificate.certifier,
        renews=certificate,
        created_by=user,
    )


@transaction.atomic
def bill_dispute_open(
    *, account: Account, bill: Bill, reason: str, opened_on: dt.date | None = None, user=None
) -> BillDispute:
    accounts_lock([account.pk])
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what the customer disputes."})
    if bill.account_id != account.pk:
        raise ValidationError({"bill": "That bill is not this account's."})
    if BillDispute.objects.filter(bill=bill, resolved_on__isnull=True).exists():
        raise ValidationError({"bill": "This bill is already disputed."})
    return BillDispute.objects.create(
        account=account,
        bill=bill,
        opened_on=opened_on or timezone.localdate(),
        reason=reason,
        created_by=user,
    )


@transaction.atomic
def bill_dispute_resolve(
    *, dispute: BillDispute, resolved_on: dt.date | None = None, user=None
) -> BillDispute:
    accounts_lock([dispute.account_id])
    dispute = dispute_qs_select_for_update().get(pk=dispute.pk)
    if dispute.resolved_on is not None:
        raise ValidationError("This dispute is resolved already.")
    resolved_on = resolved_on or timezone.localdate()
    if resolved_on < dispute.opened_on:
        raise ValidationError({"resolved_on": "A dispute can't be resolved before it opened."})
    dispute.resolved_on = resolved_on
    dispute.save(update_fields=["resolved_on"])
    return dispute
