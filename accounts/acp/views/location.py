"""Location tab sections, the rental's owner, and the user-defined codes and custom
fields that both the Customer and the Location tabs carry."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from ...models import Customer, CustomerCode, LocationCode, Scope, UDCValue
from ...panel import PanelContext
from ...services.customers import (
    customer_code_delete,
    customer_code_set,
    customer_custom_fields_update,
)
from ...services.locations import (
    LOCATION_FIELDS,
    location_code_delete,
    location_code_set,
    location_custom_fields_update,
    location_owner_set,
    location_permit_delete,
    location_permit_save,
    location_update,
)
from ..forms import CodeForm, LocationForm, OwnerForm, PermitForm, apply_service_errors
from ..selectors.access import customer_visible
from ..selectors.changes import changes_for_location
from ..selectors.customer import custom_field_rows, udc_captions
from .base import panel_action, require_perm, section

T = "accounts/acp/location/"


@panel_action(post_permission="accounts.change_location")
def details(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """Location ID and Details: address, revenue class, cycle, route, rental, parcel..."""
    location, template = ctx.location, T + "_details.html"
    initial = {name: getattr(location, name) for name in LOCATION_FIELDS}
    if request.method == "POST":
        form = LocationForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                location_update(location=location, user=request.user, data=form.cleaned_data)
                data = {"changes": changes_for_location(location_id=location.pk)}
                return section(request, ctx, template, data, tab="location", changed=True)
            except ValidationError as e:
                apply_service_errors(form, e)
        return section(
            request, ctx, template, {"form": form, "editing": True}, tab="location", invalid=True
        )
    editing = bool(request.GET.get("edit")) and request.user.has_perm("accounts.change_location")
    data = {
        "form": LocationForm(initial=initial) if editing else None,
        "editing": editing,
        "changes": changes_for_location(location_id=location.pk),
    }
    return section(request, ctx, template, data, tab="location")


@panel_action(post_permission="accounts.change_location")
def owner(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """Set or clear the owner of a rental by customer number."""
    if request.method != "POST":
        raise Http404
    form = OwnerForm(request.POST)
    form.is_valid()
    number = form.cleaned_data.get("owner_number", "").strip()
    new_owner = None
    if number:
        new_owner = Customer.objects.filter(number__iexact=number).first()
        if new_owner is None or not customer_visible(user=request.user, customer=new_owner):
            form.add_error("owner_number", "No customer has that number.")
    if not form.errors:
        try:
            location_owner_set(location=ctx.location, user=request.user, owner=new_owner)
            response = section(
                request,
                ctx,
                T + "_owner_form.html",
                {"form": OwnerForm()},
                tab="owner",
                changed=True,
            )
            response["HX-Trigger"] = "acp-changed, acp-reload-tab"
            return response
        except ValidationError as e:
            apply_service_errors(form, e)
    return section(request, ctx, T + "_owner_form.html", {"form": form}, tab="owner", invalid=True)


SCOPES = {
    "customer": (Scope.CUSTOMER, CustomerCode, customer_code_set, customer_code_delete),
    "location": (Scope.LOCATION, LocationCode, location_code_set, location_code_delete),
}


def _holder(ctx: PanelContext, scope: str):
    return ctx.customer if scope == "customer" else ctx.location


def _codes_context(ctx: PanelContext, scope: str, **extra) -> dict:
    holder = _holder(ctx, scope)
    return {
        "scope": scope,
        "codes": list(holder.codes.select_related("caption", "value")),
        **extra,
    }


@panel_action()
def codes(request: HttpRequest, ctx: PanelContext, scope: str) -> HttpResponse:
    """Customer or location codes: add one per caption; afterwards only the value
    changes (seed 004)."""
    if scope not in SCOPES:
        raise Http404
    applies_to, model, code_set, _ = SCOPES[scope]
    holder, template = _holder(ctx, scope), "accounts/acp/_codes.html"
    captions = udc_captions(applies_to=applies_to)
    if request.method == "POST":
        require_perm(request, f"accounts.add_{model._meta.model_name}")
        form = CodeForm(request.POST, captions=captions)
        if form.is_valid():
            value = UDCValue.objects.filter(pk=form.cleaned_data["value"]).first()
            try:
                if value is None:
                    raise ValidationError({"value": "Choose a value."})
                code_set(
                    **{scope: holder},
                    user=request.user,
                    caption=form.cleaned_data["caption"],
                    value=value,
                )
                return section(
                    request, ctx, template, _codes_context(ctx, scope), tab=scope, changed=True
                )
            except ValidationError as e:
                apply_service_errors(form, e)
        return section(
            request, ctx, template, _codes_context(ctx, scope, form=form), tab=scope, invalid=True
        )
    form = CodeForm(captions=captions) if request.GET.get("edit") else None
    return section(request, ctx, template, _codes_context(ctx, scope, form=form), tab=scope)


@panel_action()
def code_delete(request: HttpRequest, ctx: PanelContext, scope: str, pk: int) -> HttpResponse:
    if scope not in SCOPES or request.method != "POST":
        raise Http404
    _, model, _, delete = SCOPES[scope]
    require_perm(request, f"accounts.delete_{model._meta.model_name}")
    holder = _holder(ctx, scope)
    code = get_object_or_404(holder.codes, pk=pk)
    delete(**{scope: holder}, user=request.user, code=code)
    return section(
        request,
        ctx,
        "accounts/acp/_codes.html",
        _codes_context(ctx, scope),
        tab=scope,
        changed=True,
    )


@panel_action()
def custom_fields(request: HttpRequest, ctx: PanelContext, scope: str) -> HttpResponse:
    if scope not in SCOPES:
        raise Http404
    holder, template = _holder(ctx, scope), "accounts/acp/_custom_fields.html"
    applies_to = SCOPES[scope][0]
    if request.method == "POST":
        require_perm(request, f"accounts.change_{scope}")
        raw = {key[3:]: value for key, value in request.POST.items() if key.startswith("cf_")}
        update = (
            customer_custom_fields_update
            if scope == "customer"
            else (location_custom_fields_update)
        )
        try:
            update(**{scope: holder}, user=request.user, raw=raw)
        except ValidationError as e:
            data = {
                "scope": scope,
                "editing": True,
                "errors": e.message_dict,
                "raw": raw,
                "rows": custom_field_rows(applies_to=applies_to, values=raw),
            }
            return section(request, ctx, template, data, tab=scope, invalid=True)
        data = {
            "scope": scope,
            "rows": custom_field_rows(applies_to=applies_to, values=holder.custom_fields),
        }
        return section(request, ctx, template, data, tab=scope, changed=True)
    data = {
        "scope": scope,
        "editing": bool(request.GET.get("edit")),
        "rows": custom_field_rows(applies_to=applies_to, values=holder.custom_fields),
    }
    return section(request, ctx, template, data, tab=scope)


def _permits_context(ctx: PanelContext, **extra) -> dict:
    return {"permits": list(ctx.location.permits.all()), **extra}


@panel_action()
def permits(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    template = T + "_permits.html"
    if request.method == "POST":
        permit_id = request.POST.get("item")
        permit = get_object_or_404(ctx.location.permits, pk=permit_id) if permit_id else None
        require_perm(request, f"accounts.{'change' if permit else 'add'}_locationpermit")
        form = PermitForm(request.POST)
        if form.is_valid():
            try:
                location_permit_save(
                    location=ctx.location, user=request.user, permit=permit, **form.cleaned_data
                )
                return section(
                    request, ctx, template, _permits_context(ctx), tab="location", changed=True
                )
            except ValidationError as e:
                apply_service_errors(form, e)
        extra = {"form": form, "editing_id": permit.pk if permit else "new"}
        return section(
            request, ctx, template, _permits_context(ctx, **extra), tab="location", invalid=True
        )
    edit, extra = request.GET.get("edit"), {}
    if edit == "new":
        extra = {"form": PermitForm(), "editing_id": "new"}
    elif edit:
        permit = get_object_or_404(ctx.location.permits, pk=edit)
        extra = {
            "form": PermitForm(
                initial={"number": permit.number, "description": permit.description}
            ),
            "editing_id": permit.pk,
        }
    return section(request, ctx, template, _permits_context(ctx, **extra), tab="location")


@panel_action(post_permission="accounts.delete_locationpermit")
def permit_delete(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404
    permit = get_object_or_404(ctx.location.permits, pk=pk)
    location_permit_delete(location=ctx.location, user=request.user, permit=permit)
    return section(
        request, ctx, T + "_permits.html", _permits_context(ctx), tab="location", changed=True
    )
