"""The Shut-off tab on the Account Control Panel (issue 12 item 7): the job's latest
evaluations with every rule ("why (not) eligible"), medical certificates (add, renew within
the yearly cap), bill disputes (open, resolve) and the moratorium days of the account's
territory. CSRs view; Supervisors add (cis/roles.py)."""

import datetime as dt

from accounts.panel import Facts, PanelContext, facts_provider, register_tab

from .models import BillDispute, MedicalCertificate, ShutoffEvaluation
from .panel_markers import any_of, marked
from .services.protections import renewals_in_year, renewals_per_year
from .services.shutoff import explain, moratorium_days_for, territories_for

TAB = "shutoff"
TEMPLATE = "delinquency/shutoff/tab.html"
VIEW = "delinquency.view_shutoffevaluation"
ADD_CERTIFICATE = "delinquency.add_medicalcertificate"
ADD_DISPUTE = "delinquency.add_billdispute"
RESOLVE_DISPUTE = "delinquency.change_billdispute"


def tab_context(ctx: PanelContext, **extra) -> dict:
    from .models import ServiceTerritory
    from .shutoff_views import CertificateForm, DisputeForm, RenewForm

    account, user = ctx.account, ctx.user
    evaluations = [
        {"evaluation": e, "checks": explain(e)}
        for e in ShutoffEvaluation.objects.filter(account=account)
        .select_related("service_order")
        .order_by("-as_of", "-pk")[:10]
    ]
    certificates = list(MedicalCertificate.objects.filter(account=account).select_related("renews"))
    for c in certificates:
        c.is_valid_today = c.certified_on <= ctx.today <= c.expires_on
    cap = renewals_per_year()
    used = renewals_in_year(account=account, on=ctx.today)
    can_add_certificate = user.has_perm(ADD_CERTIFICATE)
    can_add_dispute = user.has_perm(ADD_DISPUTE)
    data = {
        "evaluations": evaluations,
        "latest": evaluations[0] if evaluations else None,
        "certificates": certificates,
        "renewal_cap": cap,
        "renewals_used": used,
        "renewals_left": max(cap - used, 0),
        "disputes": list(BillDispute.objects.filter(account=account).select_related("bill")),
        "territories": territories_for(ctx.location, ServiceTerritory.objects.all()),
        "moratorium_days": list(
            moratorium_days_for(ctx.location, since=ctx.today - dt.timedelta(days=30))[:60]
        ),
        "can_add_certificate": can_add_certificate,
        "can_add_dispute": can_add_dispute,
        "can_resolve_dispute": user.has_perm(RESOLVE_DISPUTE),
        "certificate_form": None,
        "renew_form": None,
        "renewing": None,
        "dispute_form": None,
    }
    data.update(extra)
    if can_add_certificate:
        if data["certificate_form"] is None:
            data["certificate_form"] = CertificateForm(
                initial={
                    "certified_on": ctx.today,
                    "expires_on": ctx.today + dt.timedelta(days=30),
                },
                prefix="cert",
            )
        if data["renew_form"] is None:
            data["renew_form"] = RenewForm(
                initial={
                    "certified_on": ctx.today,
                    "expires_on": ctx.today + dt.timedelta(days=30),
                },
                prefix="renew",
            )
    if can_add_dispute and data["dispute_form"] is None:
        data["dispute_form"] = DisputeForm(
            account=account, initial={"opened_on": ctx.today}, prefix="dispute"
        )
    return data


_has_records = any_of("evaluations", "certificates", "open_disputes")


register_tab(
    key=TAB,
    label="Shut-off",
    order=85,
    template=TEMPLATE,
    context=tab_context,
    has_records=_has_records,
    permission=VIEW,
)


@facts_provider(order=60)
def shutoff_facts(ctx: PanelContext, facts: Facts) -> None:
    """Shut-off pending: an order the shut-off job made is still open (one job order per
    account at a time: the job makes none while a disconnect is open)."""
    if marked(ctx, "shutoff_pending"):
        facts.shutoff_pending = True
