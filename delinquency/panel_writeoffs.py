"""Write-offs on the Credit tab (issue 13 item 4; README "Write-offs"): the account's
write-offs with their lines, what payments recovered and the collections referral, and a
Supervisor's "Write off" action on a final balance. The dashboard's Bad Debt and
Collections icons come from the account's flags, which the write-off sets. Included by
delinquency/panel_credit.py's tab context."""

from django import forms

from accounts.panel import PanelContext

from .models import WriteOff
from .services.writeoffs import PERMISSION, writeoff_refusal


class WriteOffForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        label="Reason",
        help_text="Why the balance can't be collected (kept with the write-off).",
    )
    refer_to_collections = forms.BooleanField(
        required=False, initial=True, label="Refer to collections"
    )


def writeoff_context(ctx: PanelContext, form: WriteOffForm | None = None) -> dict:
    write_offs = list(
        WriteOff.objects.filter(account=ctx.account)
        .select_related("created_by")
        .prefetch_related("lines__sa__sa_type", "recoveries")
        .order_by("-written_off_on", "-pk")
    )
    can_write_off = ctx.user.has_perm(PERMISSION)
    refusal = ""
    if can_write_off:
        sas = list(ctx.account.agreements.select_related("sa_type"))
        refusal = writeoff_refusal(account=ctx.account, sas=sas)
    return {
        "write_offs": write_offs,
        "can_write_off": can_write_off,
        "writeoff_refusal": refusal,
        "writeoff_form": form or (WriteOffForm(prefix="wo") if can_write_off else None),
    }
