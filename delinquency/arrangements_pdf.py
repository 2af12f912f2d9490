"""Print Arrangement, Print History and the wizard's Preview / Print (seed 004
Arrangements tab), as PDFs (WeasyPrint, like the service order and receipts)."""

from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Account

from .models import Arrangement


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, {**context, "printed_at": timezone.localtime()})
    return HTML(string=html).write_pdf()


def _party(account: Account) -> dict:
    return {"account": account, "customer": account.customer, "location": account.location}


def arrangement_pdf(*, arrangement: Arrangement) -> bytes:
    """One arrangement: its terms, services and every payment with what was paid."""
    rows = [
        (i.sequence, i.due_on, i.amount, i.paid_amount, i.get_status_display())
        for i in arrangement.installments.order_by("sequence")
    ]
    return _pdf(
        "delinquency/arrangements/print.html",
        {
            **_party(arrangement.account),
            "arrangement": arrangement,
            "title": f"Payment Arrangement {arrangement.number}",
            "services": [
                sa.sa_type.description for sa in arrangement.sas.select_related("sa_type")
            ],
            "rows": rows,
        },
    )


def plan_pdf(*, plan, user=None) -> bytes:
    """The wizard's Review: the schedule not yet saved (marked as a preview)."""
    rows = [(n, due, amount, None, "") for n, (due, amount) in enumerate(plan.schedule, start=1)]
    return _pdf(
        "delinquency/arrangements/print.html",
        {
            **_party(plan.account),
            "plan": plan,
            "title": "Payment Arrangement (preview, not saved)",
            "services": [sa.sa_type.description for sa in plan.sas],
            "rows": rows,
        },
    )


def arrangement_history_pdf(*, account: Account) -> bytes:
    """Every arrangement of the account, newest first, with its payments."""
    arrangements = (
        Arrangement.objects.filter(account=account)
        .select_related("created_by")
        .prefetch_related("installments")
        .order_by("-created_at", "-pk")
    )
    return _pdf(
        "delinquency/arrangements/history_print.html",
        {**_party(account), "arrangements": arrangements},
    )
