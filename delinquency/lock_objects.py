"""Every row lock the delinquency app takes, after the ledger's (accounts/lock_objects.py:
Account -> SA), each set ordered by pk: an account's write-offs once its account and SAs
are locked (write-off, recovery, recovery reversed); an arrangement or a bill dispute on
its own."""

from django.db.models import QuerySet

from .models import Arrangement, BillDispute, WriteOff


def writeoff_qs_select_for_update() -> QuerySet[WriteOff]:
    return WriteOff.objects.order_by("pk").select_for_update(of=("self",))


def arrangement_qs_select_for_update() -> QuerySet[Arrangement]:
    return Arrangement.objects.select_for_update()


def dispute_qs_select_for_update() -> QuerySet[BillDispute]:
    return BillDispute.objects.select_for_update()
