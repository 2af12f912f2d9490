"""Location tab > Deposits: the deposits held, and Bill deposit (issue 13 item 3)."""

from django import forms
from django.http import HttpRequest, HttpResponse

from ...panel import PanelContext
from ...services.deposits import DepositError, deposit_bill
from ..selectors.location import deposit_rows
from .base import panel_action, section

TEMPLATE = "accounts/acp/location/_deposits.html"
BILL_PERMISSION = "accounts.add_adjustment"


class DepositBillForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0.01)
    due_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Blank: today."
    )
    reason = forms.CharField(max_length=200, required=False, initial="Security deposit")


@panel_action(post_permission=BILL_PERMISSION)
def deposits(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """The Deposits section; POST bills a deposit on this account's deposit SA."""
    if request.method == "POST":
        form = DepositBillForm(request.POST)
        if form.is_valid():
            try:
                deposit_bill(
                    account=ctx.account,
                    amount=form.cleaned_data["amount"],
                    due_date=form.cleaned_data["due_date"],
                    reason=form.cleaned_data["reason"] or "Security deposit",
                    user=request.user,
                )
                data = {"deposits": deposit_rows(ctx)}
                return section(request, ctx, TEMPLATE, data, tab="location", changed=True)
            except DepositError as e:
                form.add_error(None, str(e))
        data = {"deposits": deposit_rows(ctx), "form": form}
        return section(request, ctx, TEMPLATE, data, tab="location", invalid=True)
    editing = request.GET.get("edit") == "new" and request.user.has_perm(BILL_PERMISSION)
    data = {"deposits": deposit_rows(ctx), "form": DepositBillForm() if editing else None}
    return section(request, ctx, TEMPLATE, data, tab="location")
