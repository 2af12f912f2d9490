"""Every row lock the payments app takes. The published order is Account -> SA -> Bill ->
Payment event -> Payment (then Tender, and Deposit control -> Tender control), each set
ordered by pk, so concurrent work never waits in a cycle. Accounts come from
`accounts.lock_objects`: a service locks every account it will touch first, in one call.

Controls come last. Whatever adds tenders to a tender control or removes them (the online
and bulk paths, deleting an event) locks that control and finds it open; balancing locks
the control it balances (a deposit: the deposit, then its tender controls); cancelling a
tender locks its tender control after the tender.

Upload staging is locked as the upload job takes it: deposit staging (the runner's work
item) -> tender staging -> payment staging, then the upload exception."""

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.lock_objects import account_qs_select_for_update
from accounts.models import Account
from cis.bulk import id_in

from .models import (
    DepositControl,
    DepositStaging,
    Payment,
    PaymentEvent,
    PaymentStaging,
    Tender,
    TenderControl,
    TenderStaging,
    UploadException,
)

__all__ = [
    "accounts_lock",
    "deposit_control_qs_select_for_update",
    "event_qs_select_for_update",
    "payment_qs_select_for_update",
    "tender_control_qs_select_for_update",
    "tender_qs_select_for_update",
    "upload_exception_qs_select_for_update",
    "upload_staging_lock",
]


def accounts_lock(account_ids: Iterable[int]) -> list[Account]:
    """Lock accounts in pk order; takes thousands of ids at once (the bulk path)."""
    return list(account_qs_select_for_update().filter(pk__in=id_in(account_ids)))


def event_qs_select_for_update() -> QuerySet[PaymentEvent]:
    return PaymentEvent.objects.order_by("pk").select_for_update(of=("self",))


def payment_qs_select_for_update() -> QuerySet[Payment]:
    return Payment.objects.order_by("pk").select_for_update(of=("self",))


def tender_qs_select_for_update() -> QuerySet[Tender]:
    return Tender.objects.order_by("pk").select_for_update(of=("self",))


def deposit_control_qs_select_for_update() -> QuerySet[DepositControl]:
    return DepositControl.objects.order_by("pk").select_for_update(of=("self",))


def tender_control_qs_select_for_update() -> QuerySet[TenderControl]:
    return TenderControl.objects.order_by("pk").select_for_update(of=("self",))


def upload_staging_lock(
    *, deposit_id: int, tender_id: int | None = None, payment_id: int | None = None
) -> None:
    """Lock one staging path in the upload job's order (a CSR's fix waits for a chunk
    posting the same deposit, and the chunk for the fix)."""
    DepositStaging.objects.select_for_update().filter(pk=deposit_id).first()
    if tender_id is not None:
        TenderStaging.objects.select_for_update().filter(pk=tender_id).first()
    if payment_id is not None:
        PaymentStaging.objects.select_for_update().filter(pk=payment_id).first()


def upload_exception_qs_select_for_update() -> QuerySet[UploadException]:
    return UploadException.objects.order_by("pk").select_for_update(of=("self",))
