"""Every row lock the delinquency app takes, after the ledger's (accounts/lock_objects.py:
Account -> SA), each set ordered by pk: an account's write-offs once its account and SAs
are locked (write-off, recovery, recovery reversed)."""

from django.db.models import QuerySet

from .models import WriteOff


def writeoff_qs_select_for_update() -> QuerySet[WriteOff]:
    return WriteOff.objects.order_by("pk").select_for_update(of=("self",))
