"""The Recurring Items tab (seed 004): the list, Add (a new item, saved once, never edited)
and Deactivate (confirmed; a deactivated item can't be reactivated). A CSR sees the tab;
adding and deactivating are a Supervisor's (they change what bills charge)."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ...models import RecurringItem, RecurringItemType
from ...panel import PanelContext
from ...services.recurring import recurring_item_add, recurring_item_deactivate
from ..forms import DATE_WIDGET, CodeChoiceField, apply_service_errors
from ..selectors.changes import changes_for_object
from ..selectors.recurring import panel_recurring_get, panel_recurring_items
from .base import panel_action
from .records import _whole_tab

TAB = "recurring_items"
ADD = "accounts.add_recurringitem"
DEACTIVATE = "accounts.change_recurringitem"


class RecurringTypeField(CodeChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} — {obj.description} ({obj.get_kind_display()} {obj.value_display})"


class RecurringItemAddForm(forms.Form):
    level = forms.ChoiceField(choices=RecurringItem.Level.choices, label="Type")
    item_type = RecurringTypeField(queryset=None, label="Code")
    description = forms.CharField(
        max_length=120, required=False, help_text="Blank: the code's description."
    )
    effective_on = forms.DateField(widget=DATE_WIDGET, label="Effective date")
    times_to_apply = forms.IntegerField(
        min_value=0, max_value=999, label="Times to apply", help_text="0: while active."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_type"].queryset = RecurringItemType.objects.filter(
            is_active=True
        ).order_by("code")


def recurring_context(ctx: PanelContext) -> dict:
    params = ctx.request.GET
    active_only = params.get("active") == "1"
    search = params.get("q", "").strip()
    return {
        "items": panel_recurring_items(ctx, active_only=active_only, search=search),
        "active_only": active_only,
        "q": search,
        "can_add": ctx.user.has_perm(ADD),
        "can_deactivate": ctx.user.has_perm(DEACTIVATE),
    }


@panel_action(post_permission=ADD)
def recurring_new(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    template = "accounts/acp/recurring/_form.html"
    if request.method == "POST":
        form = RecurringItemAddForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                recurring_item_add(
                    account=ctx.account,
                    user=request.user,
                    level=data["level"],
                    item_type=data["item_type"],
                    description=data["description"],
                    effective_on=data["effective_on"],
                    times_to_apply=data["times_to_apply"],
                )
                return _whole_tab(request, ctx, TAB)
            except ValidationError as e:
                apply_service_errors(form, e)
        return render(request, template, {"ctx": ctx, "form": form}, status=422)
    if not request.user.has_perm(ADD):
        return HttpResponse("You may not add recurring items.", status=403)
    first = RecurringItemType.objects.filter(is_active=True).order_by("code").first()
    initial = {
        "level": RecurringItem.Level.ACCOUNT,
        "effective_on": ctx.today,
        "times_to_apply": first.default_times if first else 0,
    }
    return render(request, template, {"ctx": ctx, "form": RecurringItemAddForm(initial=initial)})


@panel_action(post_permission=DEACTIVATE)
def recurring_detail(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    """GET: the item with its change history (and Deactivate for those who may). POST:
    deactivate, confirmed in the browser first."""
    item = panel_recurring_get(ctx, pk=pk)
    if item is None:
        raise Http404
    if request.method == "POST":
        try:
            recurring_item_deactivate(item=item, user=request.user)
        except ValidationError as e:
            return _whole_tab(request, ctx, TAB, error=" ".join(e.messages))
        return _whole_tab(request, ctx, TAB)
    data = {
        "ctx": ctx,
        "item": item,
        "changes": changes_for_object(instance=item),
        "can_deactivate": request.user.has_perm(DEACTIVATE),
    }
    return render(request, "accounts/acp/recurring/_detail.html", data)
