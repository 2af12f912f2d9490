"""The red "has records" markers of the delinquency tabs (Delinquency, Shut-off, Credit,
Arrangements) and the dashboard facts "On Arrangement" and "Scheduled for shutoff", in one
query per panel view: every panel view asks each tab and each provider, so asking on their
own cost nine queries on every page a CSR opens."""

from django.db.models import Exists, OuterRef

from accounts.models import Account, CreditRatingEvent
from accounts.panel import PanelContext
from serviceorders.models import ServiceOrder

from .models import (
    Arrangement,
    BillDispute,
    CreditAttributes,
    LateNotice,
    MedicalCertificate,
    PenaltyDecision,
    ShutoffEvaluation,
    WriteOff,
)
from .services.arrangements import ACTIVE_ARRANGEMENT


def _of_account(queryset):
    return Exists(queryset.filter(account_id=OuterRef("pk")))


MARKERS = {
    "notices": _of_account(LateNotice.objects.all()),
    "decisions": _of_account(PenaltyDecision.objects.all()),
    "evaluations": _of_account(ShutoffEvaluation.objects.all()),
    "certificates": _of_account(MedicalCertificate.objects.all()),
    "open_disputes": _of_account(BillDispute.objects.filter(resolved_on__isnull=True)),
    "no_penalty": _of_account(CreditAttributes.objects.filter(no_penalty=True)),
    "credit_events": _of_account(CreditRatingEvent.objects.all()),
    "arrangements": _of_account(Arrangement.objects.all()),
    "write_offs": _of_account(WriteOff.objects.all()),
    # facts: an active arrangement; an order the shut-off job made still open
    "active_arrangement": _of_account(Arrangement.objects.filter(ACTIVE_ARRANGEMENT)),
    "shutoff_pending": _of_account(
        ShutoffEvaluation.objects.filter(service_order__status__in=ServiceOrder.INCOMPLETE)
    ),
}


def markers(ctx: PanelContext) -> dict[str, bool]:
    """{marker: the account has such records}, computed once per panel view."""
    if "delinquency_markers" not in ctx.memo:
        row = (
            Account.objects.filter(pk=ctx.account.pk)
            .values(**{f"has_{name}": exists for name, exists in MARKERS.items()})
            .first()
            or {}
        )
        ctx.memo["delinquency_markers"] = {name: bool(row.get(f"has_{name}")) for name in MARKERS}
    return ctx.memo["delinquency_markers"]


def marked(ctx: PanelContext, name: str) -> bool:
    return markers(ctx)[name]


def any_of(*names: str):
    """A tab's `has_records`: any of the markers named."""
    return lambda ctx: any(markers(ctx)[name] for name in names)
