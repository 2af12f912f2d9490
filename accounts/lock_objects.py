"""Every row lock the accounts app takes. Published order: Account -> SA -> Bill, each
set ordered by pk, so concurrent work never waits in a cycle."""

from django.db.models import QuerySet

from .models import Account, Adjustment, Bill, ServiceAgreement


def account_qs_select_for_update() -> QuerySet[Account]:
    return Account.objects.order_by("pk").select_for_update(of=("self",))


def sa_qs_select_for_update() -> QuerySet[ServiceAgreement]:
    return ServiceAgreement.objects.order_by("pk").select_for_update(of=("self",))


def bill_qs_select_for_update() -> QuerySet[Bill]:
    return Bill.objects.order_by("pk").select_for_update(of=("self",))


def adjustment_qs_select_for_update() -> QuerySet[Adjustment]:
    return Adjustment.objects.order_by("pk").select_for_update(of=("self",))


def accounts_lock(account_ids) -> list[Account]:
    return list(account_qs_select_for_update().filter(pk__in=set(account_ids)))
