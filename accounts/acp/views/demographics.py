"""The Demographics tab (seed 004): the items of the account's customer, location and the
account itself, with variances. One section; every action answers it again."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from cis.api.fields import date_window

from ...models import Demographic, DemographicItem, DemographicVariance
from ...panel import PanelContext
from ...services.demographics import (
    demographic_add,
    demographic_change,
    demographic_delete,
    variance_add,
    variance_delete,
)
from .base import panel_action, section

T = "accounts/acp/tabs/demographics.html"
PERMISSION = "accounts.change_demographic"


class DemographicForm(forms.Form):
    item = forms.ModelChoiceField(
        queryset=DemographicItem.objects.filter(is_active=True).select_related("category"),
        label="Item",
    )
    value = forms.DecimalField(label="Value", max_digits=12, decimal_places=2)


class ValueForm(forms.Form):
    value = forms.DecimalField(label="Value", max_digits=12, decimal_places=2)


class VarianceForm(forms.Form):
    description = forms.CharField(label="Variance", max_length=80)
    amount = forms.DecimalField(label="Amount", max_digits=14, decimal_places=2)
    effective_on = forms.DateField(
        label="Effective date", widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label="Expiration date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label="Reference", max_length=80, required=False)

    def clean_effective_on(self):
        value = self.cleaned_data["effective_on"]
        first, last = date_window()
        if not first <= value <= last:
            raise ValidationError(f"Enter a date between {first:%m/%d/%Y} and {last:%m/%d/%Y}.")
        return value


def _rows(ctx: PanelContext) -> list[Demographic]:
    account = ctx.account
    return list(
        Demographic.objects.filter(
            Q(customer_id=account.customer_id)
            | Q(location_id=account.location_id)
            | Q(account=account)
        )
        .select_related("item__category")
        .prefetch_related("variances")
        .order_by("level", "item__description")
    )


def demographics_context(ctx: PanelContext, **extra) -> dict:
    rows = _rows(ctx)
    return {
        "rows": [(d, d.effective_value(ctx.today)) for d in rows],
        "add_form": extra.get("add_form") or DemographicForm(),
        "variance_form": extra.get("variance_form") or VarianceForm(),
        "variance_for": extra.get("variance_for"),
        "error": extra.get("error", ""),
        "can_edit": ctx.user.has_perm(PERMISSION),
    }


def has_demographics(ctx: PanelContext) -> bool:
    account = ctx.account
    return Demographic.objects.filter(
        Q(customer_id=account.customer_id) | Q(location_id=account.location_id) | Q(account=account)
    ).exists()


def _mine(ctx: PanelContext, pk) -> Demographic | None:
    return next((d for d in _rows(ctx) if str(d.pk) == str(pk)), None)


@panel_action(post_permission=PERMISSION)
def demographics(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """GET: the section. POST `action`: add, change, delete, variance, variance-delete."""
    extra: dict = {}
    invalid = False
    if request.method == "POST":
        action = request.POST.get("action")
        target = _mine(ctx, request.POST.get("pk"))
        try:
            if action == "add":
                form = DemographicForm(request.POST)
                if not form.is_valid():
                    raise _Invalid(add_form=form)
                demographic_add(user=request.user, account=ctx.account, **form.cleaned_data)
            elif target is None:
                extra["error"] = "That item is not on this account's records."
                invalid = True
            elif action == "change":
                form = ValueForm(request.POST)
                if not form.is_valid():
                    raise _Invalid(error="Enter the value as a number.")
                demographic_change(
                    user=request.user, demographic=target, value=form.cleaned_data["value"]
                )
            elif action == "delete":
                demographic_delete(user=request.user, demographic=target)
            elif action == "variance":
                form = VarianceForm(request.POST)
                if not form.is_valid():
                    raise _Invalid(variance_form=form, variance_for=target.pk)
                variance_add(user=request.user, demographic=target, **form.cleaned_data)
            elif action == "variance-delete":
                variance = DemographicVariance.objects.filter(
                    demographic=target, pk=request.POST.get("variance")
                ).first()
                if variance is not None:
                    variance_delete(user=request.user, variance=variance)
        except _Invalid as bad:
            extra.update(bad.extra)
            invalid = True
        except ValidationError as err:
            extra["error"] = " ".join(err.messages)
            invalid = True
    return section(
        request,
        ctx,
        T,
        demographics_context(ctx, **extra),
        tab="demographics",
        changed=request.method == "POST" and not invalid,
        invalid=invalid,
    )


class _Invalid(Exception):
    def __init__(self, **extra):
        super().__init__("invalid")
        self.extra = extra
