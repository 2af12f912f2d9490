"""Every select_for_update of the autopay app, in pk order (STYLE rule 3). Clearings are
locked after the accounts they pay (Account -> SA -> Bill -> Payment event -> Payment ->
Clearing)."""

from django.db.models import QuerySet

from .models import Clearing


def clearing_qs_select_for_update() -> QuerySet[Clearing]:
    return Clearing.objects.order_by("pk").select_for_update(of=("self",))
