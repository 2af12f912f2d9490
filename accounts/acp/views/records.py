"""Notes, Contacts and Special Conditions tabs: a list above, the selected record (or a
new one) below. A save re-renders the whole tab so list and detail agree."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render

from cis.money import money_format

from ...models import ContactAddress, ContactEmail, ContactPhone, Note
from ...panel import PanelContext
from ...services.adjustments import AdjustmentError, adjustment_create
from ...services.conditions import special_condition_add, special_condition_update
from ...services.contacts import (
    contact_create,
    contact_delete,
    contact_point_of_contact_delete,
    contact_point_of_contact_save,
    contact_update,
)
from ...services.documents import note_attachment_add
from ...services.notes import NOTE_FIELDS, note_create, note_delete, note_update
from ..forms import (
    AttachmentForm,
    ChargeAdjustForm,
    ConditionAddForm,
    ConditionEditForm,
    ContactAddressForm,
    ContactEmailForm,
    ContactForm,
    ContactPhoneForm,
    NoteForm,
    apply_service_errors,
)
from ..selectors.changes import changes_for_object
from ..selectors.records import (
    history_charge_get,
    panel_condition_get,
    panel_contact_get,
    panel_note_get,
)
from .base import panel_action, require_perm
from .panel import tabs_area


def _whole_tab(
    request: HttpRequest, ctx: PanelContext, key: str, *, error: str = "", **params
) -> HttpResponse:
    """Re-render the tab (list + detail) after a save, with `params` as its query and
    `error` (a refused action) shown above the detail."""
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = str(value)
    request.GET = query
    response = tabs_area(request, ctx, key, extra={"error": error})
    response["HX-Retarget"] = "#tabs-area"
    response["HX-Reswap"] = "outerHTML"
    response["HX-Trigger"] = "acp-changed"
    return response


# Notes ------------------------------------------------------------------------------


def _note_detail(request, ctx, note: Note | None, form, *, invalid=False) -> HttpResponse:
    data = {
        "note": note,
        "form": form,
        "attach_form": AttachmentForm(),
        "changes": changes_for_object(instance=note) if note else [],
    }
    status = 422 if invalid else 200
    return render(request, "accounts/acp/notes/_detail.html", {"ctx": ctx, **data}, status=status)


@panel_action(post_permission="accounts.add_note")
def note_new(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    if request.method == "POST":
        form = NoteForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                note = note_create(
                    account=ctx.account, level=data.pop("level"), user=request.user, data=data
                )
                return _whole_tab(request, ctx, "notes", note=note.pk)
            except ValidationError as e:
                apply_service_errors(form, e)
        return _note_detail(request, ctx, None, form, invalid=True)
    return _note_detail(request, ctx, None, NoteForm(initial={"level": Note.Level.ACCOUNT}))


@panel_action(post_permission="accounts.change_note")
def note_detail(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    note = panel_note_get(ctx, pk=pk)
    if note is None:
        raise Http404
    initial = {"level": note.level, **{name: getattr(note, name) for name in NOTE_FIELDS}}
    if request.method == "POST":
        form = NoteForm(request.POST, initial=initial, editing=True)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in NOTE_FIELDS}
            try:
                note_update(note=note, user=request.user, data=data)
                return _whole_tab(request, ctx, "notes", note=note.pk)
            except ValidationError as e:
                apply_service_errors(form, e)
        return _note_detail(request, ctx, note, form, invalid=True)
    form = NoteForm(initial=initial, editing=True)
    return _note_detail(request, ctx, note, form)


@panel_action(post_permission="accounts.delete_note")
def note_remove(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    note = panel_note_get(ctx, pk=pk)
    if note is None or request.method != "POST":
        raise Http404
    note_delete(note=note, user=request.user)
    return _whole_tab(request, ctx, "notes")


@panel_action(post_permission="accounts.add_noteattachment")
def note_attach(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    note = panel_note_get(ctx, pk=pk)
    if note is None or request.method != "POST":
        raise Http404
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            note_attachment_add(note=note, user=request.user, upload=form.cleaned_data["file"])
            return _whole_tab(request, ctx, "notes", note=note.pk)
        except ValidationError as e:
            apply_service_errors(form, e)
    initial = {"level": note.level, **{name: getattr(note, name) for name in NOTE_FIELDS}}
    data = {
        "ctx": ctx,
        "note": note,
        "form": NoteForm(initial=initial, editing=True),
        "attach_form": form,
        "changes": changes_for_object(instance=note),
    }
    return render(request, "accounts/acp/notes/_detail.html", data, status=422)


@panel_action()
def note_attachment_file(request: HttpRequest, ctx: PanelContext, pk: int, aid: int):
    note = panel_note_get(ctx, pk=pk)
    if note is None:
        raise Http404
    attachment = get_object_or_404(note.attachments, pk=aid)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response


# Contacts ---------------------------------------------------------------------------


CONTACT_POINTS = {
    "addresses": (ContactAddress, ContactAddressForm),
    "emails": (ContactEmail, ContactEmailForm),
    "phones": (ContactPhone, ContactPhoneForm),
}


def _contact_form_response(request, ctx, contact, form, *, invalid=True) -> HttpResponse:
    data = {"ctx": ctx, "contact": contact, "form": form}
    return render(request, "accounts/acp/contacts/_form.html", data, status=422 if invalid else 200)


@panel_action(post_permission="accounts.add_contact")
def contact_new(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                contact = contact_create(
                    account=ctx.account, user=request.user, data=form.cleaned_data
                )
                return _whole_tab(request, ctx, "contacts", contact=contact.pk)
            except ValidationError as e:
                apply_service_errors(form, e)
        return _contact_form_response(request, ctx, None, form)
    form = ContactForm(initial={"notices": "none"})
    return _contact_form_response(request, ctx, None, form, invalid=False)


@panel_action(post_permission="accounts.change_contact")
def contact_edit(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    contact = panel_contact_get(ctx, pk=pk)
    if contact is None:
        raise Http404
    names = ContactForm.base_fields
    initial = {name: getattr(contact, name) for name in names}
    if request.method == "POST":
        form = ContactForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                contact_update(
                    contact=contact, account=ctx.account, user=request.user, data=form.cleaned_data
                )
                return _whole_tab(request, ctx, "contacts", contact=contact.pk)
            except ValidationError as e:
                apply_service_errors(form, e)
        return _contact_form_response(request, ctx, contact, form)
    return _contact_form_response(
        request, ctx, contact, ContactForm(initial=initial), invalid=False
    )


@panel_action(post_permission="accounts.delete_contact")
def contact_remove(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    contact = panel_contact_get(ctx, pk=pk)
    if contact is None or request.method != "POST":
        raise Http404
    contact_delete(contact=contact, user=request.user)
    return _whole_tab(request, ctx, "contacts")


@panel_action()
def contact_point(request: HttpRequest, ctx: PanelContext, pk: int, kind: str) -> HttpResponse:
    """Add or edit an address / email / phone of a contact (GET ?edit=<id>|new)."""
    contact = panel_contact_get(ctx, pk=pk)
    if contact is None or kind not in CONTACT_POINTS:
        raise Http404
    model, form_class = CONTACT_POINTS[kind]
    noun = model._meta.model_name
    template = "accounts/acp/contacts/_point_form.html"
    if request.method == "POST":
        item_id = request.POST.get("item")
        item = get_object_or_404(model, pk=item_id, contact=contact) if item_id else None
        require_perm(request, f"accounts.{'change' if item else 'add'}_{noun}")
        form = form_class(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            make_primary = data.pop("is_primary", False)
            try:
                contact_point_of_contact_save(
                    contact=contact,
                    user=request.user,
                    item=item or model(contact=contact),
                    data=data,
                    make_primary=make_primary,
                )
                return _whole_tab(request, ctx, "contacts", contact=contact.pk)
            except ValidationError as e:
                apply_service_errors(form, e)
        data = {"ctx": ctx, "contact": contact, "kind": kind, "form": form, "item": item}
        return render(request, template, data, status=422)
    edit = request.GET.get("edit", "new")
    item = None if edit == "new" else get_object_or_404(model, pk=edit, contact=contact)
    initial = {f: getattr(item, f) for f in form_class.base_fields} if item else {}
    data = {
        "ctx": ctx,
        "contact": contact,
        "kind": kind,
        "form": form_class(initial=initial),
        "item": item,
    }
    return render(request, template, data)


@panel_action()
def contact_point_delete(
    request: HttpRequest, ctx: PanelContext, pk: int, kind: str, item_id: int
) -> HttpResponse:
    contact = panel_contact_get(ctx, pk=pk)
    if contact is None or kind not in CONTACT_POINTS or request.method != "POST":
        raise Http404
    model, _ = CONTACT_POINTS[kind]
    require_perm(request, f"accounts.delete_{model._meta.model_name}")
    item = get_object_or_404(model, pk=item_id, contact=contact)
    try:
        contact_point_of_contact_delete(contact=contact, user=request.user, item=item)
    except ValidationError as e:
        response = _whole_tab(request, ctx, "contacts", contact=contact.pk, error=e.messages[0])
        response.status_code = 422
        return response
    return _whole_tab(request, ctx, "contacts", contact=contact.pk)


# Special conditions -----------------------------------------------------------------


@panel_action(post_permission="accounts.add_specialcondition")
def condition_new(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    template = "accounts/acp/conditions/_form.html"
    if request.method == "POST":
        form = ConditionAddForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                special_condition_add(
                    account=ctx.account,
                    user=request.user,
                    level=data["level"],
                    condition_type=data["condition_type"],
                    effective_on=data["effective_on"],
                    expires_on=data["expires_on"],
                )
                return _whole_tab(request, ctx, "special_conditions")
            except ValidationError as e:
                apply_service_errors(form, e)
        return render(request, template, {"ctx": ctx, "form": form}, status=422)
    form = ConditionAddForm(initial={"level": "account", "effective_on": ctx.today})
    return render(request, template, {"ctx": ctx, "form": form})


@panel_action(post_permission="accounts.change_specialcondition")
def condition_edit(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    condition = panel_condition_get(ctx, pk=pk)
    if condition is None:
        raise Http404
    template = "accounts/acp/conditions/_form.html"
    initial = {
        "effective_on": condition.effective_on,
        "has_expiration": condition.expires_on is not None,
        "expires_on": condition.expires_on,
        "is_active": condition.is_active,
    }
    if request.method == "POST":
        form = ConditionEditForm(request.POST, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                special_condition_update(
                    condition=condition,
                    user=request.user,
                    effective_on=data["effective_on"],
                    expires_on=data["expires_on"],
                    is_active=data["is_active"],
                )
                return _whole_tab(request, ctx, "special_conditions")
            except ValidationError as e:
                apply_service_errors(form, e)
        data = {"ctx": ctx, "form": form, "condition": condition}
        return render(request, template, data, status=422)
    data = {
        "ctx": ctx,
        "form": ConditionEditForm(initial=initial),
        "condition": condition,
        "changes": changes_for_object(instance=condition),
    }
    return render(request, template, data)


# History: adjust a charge (seed 004 History actions; issue 8 item 6) ------------------

ADJUST_PERMISSION = "accounts.add_adjustment"


@panel_action(post_permission=ADJUST_PERMISSION)
def history_adjust(request: HttpRequest, ctx: PanelContext, ft: int) -> HttpResponse:
    """GET: the adjust form in a row under the charge's History row (a Supervisor's).
    POST: post the adjustment on the charge's service and re-render the History tab."""
    require_perm(request, ADJUST_PERMISSION)
    charge = history_charge_get(ctx, pk=ft)
    if charge is None:
        raise Http404
    template = "accounts/acp/history/_adjust.html"
    form = ChargeAdjustForm(request.POST if request.method == "POST" else None)
    context = {"ctx": ctx, "account": ctx.account, "charge": charge, "form": form}
    if request.method != "POST":
        return render(request, template, context)
    if form.is_valid():
        data = form.cleaned_data
        try:
            adjustment_create(
                sa=charge.sa,
                adjustment_type=data["adjustment_type"],
                amount=data["amount"],
                reason=data["reason"],
                user=request.user,
            )
        except (AdjustmentError, ValidationError) as e:
            messages = getattr(e, "messages", None) or [str(e)]
            form.add_error(None, " ".join(m[0].upper() + m[1:] for m in messages if m))
        else:
            message = (
                f"Adjustment of {money_format(data['amount'])} "
                f"({data['adjustment_type'].description}) posted to "
                f"{charge.sa.sa_type.description}."
            )
            request.GET = QueryDict()
            response = tabs_area(request, ctx, "history", extra={"message": message})
            response["HX-Retarget"] = "#tabs-area"
            response["HX-Reswap"] = "outerHTML"
            response["HX-Trigger"] = "acp-changed"
            return response
    return render(request, template, context, status=422)
