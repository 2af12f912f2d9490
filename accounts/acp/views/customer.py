"""Customer tab sections (also the Owner tab's contact points)."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ...models import Customer, CustomerAddress, CustomerEmail, CustomerPhone
from ...panel import PanelContext
from ...services.customers import (
    ID_FIELDS,
    account_flags_update,
    customer_address_save,
    customer_contact_point_delete,
    customer_email_save,
    customer_notices_update,
    customer_personal_update,
    customer_phone_save,
    customer_update,
)
from ...services.documents import customer_document_add, customer_document_delete
from ...services.pii import RevealRefused, pii_reveal
from ..forms import (
    AccountFlagsForm,
    AddressForm,
    CustomerIdForm,
    DocumentForm,
    EmailForm,
    NoticesForm,
    PersonalForm,
    PhoneForm,
    RevealForm,
    apply_service_errors,
)
from ..selectors.access import PRIVATE_PERMISSION, customer_visible
from ..selectors.changes import changes_for_account
from ..selectors.customer import SECURE_DOCUMENT_PERMISSION, customer_documents
from .base import panel_action, require_perm, section

T = "accounts/acp/customer/"


def _id_initial(customer: Customer) -> dict:
    return {name: getattr(customer, name) for name in ID_FIELDS}


@panel_action(post_permission="accounts.change_customer")
def customer_id(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """Customer ID section: type (individual / business fields), alt id, status, flags."""
    customer = ctx.customer
    can_public = request.user.has_perm(PRIVATE_PERMISSION)
    initial = _id_initial(customer)
    if request.method == "POST":
        form = CustomerIdForm(request.POST, initial=initial, can_change_public=can_public)
        if form.is_valid():
            try:
                customer_update(customer=customer, user=request.user, data=form.cleaned_data)
                return section(
                    request, ctx, T + "_id.html", {"party": customer}, tab="customer", changed=True
                )
            except ValidationError as e:
                apply_service_errors(form, e)
        ctx_data = {"party": customer, "form": form, "editing": True}
        return section(request, ctx, T + "_id.html", ctx_data, tab="customer", invalid=True)
    editing = bool(request.GET.get("edit")) and request.user.has_perm("accounts.change_customer")
    form = CustomerIdForm(initial=initial, can_change_public=can_public) if editing else None
    data = {"party": customer, "form": form, "editing": editing}
    return section(request, ctx, T + "_id.html", data, tab="customer")


@panel_action(post_permission="accounts.change_customer")
def personal(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    customer = ctx.customer
    initial = {
        "drivers_license_state": customer.drivers_license_state,
        "date_of_birth": customer.date_of_birth,
    }
    if request.method == "POST":
        form = PersonalForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                customer_personal_update(
                    customer=customer, user=request.user, data=form.cleaned_data
                )
                return section(
                    request,
                    ctx,
                    T + "_personal.html",
                    {"party": customer},
                    tab="customer",
                    changed=True,
                )
            except ValidationError as e:
                apply_service_errors(form, e)
        data = {"party": customer, "form": form, "editing": True}
        return section(request, ctx, T + "_personal.html", data, tab="customer", invalid=True)
    editing = bool(request.GET.get("edit")) and request.user.has_perm("accounts.change_customer")
    data = {
        "party": customer,
        "form": PersonalForm(initial=initial) if editing else None,
        "editing": editing,
    }
    return section(request, ctx, T + "_personal.html", data, tab="customer")


def ssn_format(value: str) -> str:
    """A revealed SSN as people write it, 560-61-6220 (issue 8 item 10); anything that is
    not nine digits is shown as stored."""
    digits = re.sub(r"[\s-]", "", value or "")
    if len(digits) == 9 and digits.isascii() and digits.isdigit():
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    return value


@panel_action()
def reveal(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """GET: the password prompt for one field. POST: the clear value, in this response
    only (never cached), with an audit row; or the prompt again with the reason."""
    field = request.POST.get("field") or request.GET.get("field", "ssn")
    if field not in ("ssn", "drivers_license"):
        raise Http404
    if not request.user.has_perm("accounts.reveal_pii"):
        raise PermissionDenied
    data = {"party": ctx.customer, "field": field}
    if request.method == "GET":
        return render(request, T + "_reveal.html", {"ctx": ctx, **data})
    form = RevealForm(request.POST)
    status, value = 422, None
    if form.is_valid():
        try:
            value = pii_reveal(
                user=request.user,
                customer=ctx.customer,
                field=form.cleaned_data["field"],
                password=form.cleaned_data["password"],
                ip_address=request.META.get("REMOTE_ADDR"),
                request=request,
            )
            status = 200
            if field == "ssn":
                value = ssn_format(value)
        except RevealRefused as refused:
            if refused.permission:
                raise PermissionDenied from None
            form.add_error("password", refused.reason)
    response = render(
        request,
        T + "_reveal.html",
        {"ctx": ctx, "form": form, "value": value, **data},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def _party(ctx: PanelContext, role: str) -> Customer:
    """'customer' is the account's customer; 'owner' the rental's owner, if the user may
    see them (a private owner is hidden like a private account)."""
    if role == "customer":
        return ctx.customer
    owner = ctx.location.owner if ctx.location.is_rental else None
    if role == "owner" and owner is not None and customer_visible(user=ctx.user, customer=owner):
        return owner
    raise Http404


POINTS = {
    "addresses": (CustomerAddress, AddressForm, customer_address_save, "address"),
    "phones": (CustomerPhone, PhoneForm, customer_phone_save, "phone"),
    "emails": (CustomerEmail, EmailForm, customer_email_save, "email"),
}


def _points_context(party: Customer, role: str, kind: str, **extra) -> dict:
    model = POINTS[kind][0]
    return {
        "party": party,
        "role": role,
        "kind": kind,
        "items": list(model.objects.filter(customer=party)),
        **extra,
    }


@panel_action()
def points(request: HttpRequest, ctx: PanelContext, role: str, kind: str) -> HttpResponse:
    """Addresses, phones or emails of the customer (or owner): list, add, edit."""
    if kind not in POINTS:
        raise Http404
    party = _party(ctx, role)
    model, form_class, save, noun = POINTS[kind]
    template, tab = T + "_points.html", "customer" if role == "customer" else "owner"
    if request.method == "POST":
        item_id = request.POST.get("item")
        item = get_object_or_404(model, pk=item_id, customer=party) if item_id else None
        require_perm(request, f"accounts.{'change' if item else 'add'}_customer{noun}")
        form = form_class(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            make_primary = data.pop("is_primary", False)
            try:
                save(
                    customer=party,
                    user=request.user,
                    data=data,
                    make_primary=make_primary,
                    **{noun: item},
                )
                return section(
                    request,
                    ctx,
                    template,
                    _points_context(party, role, kind),
                    tab=tab,
                    changed=True,
                )
            except ValidationError as e:
                apply_service_errors(form, e)
        extra = {"form": form, "editing_id": item.pk if item else "new"}
        return section(
            request,
            ctx,
            template,
            _points_context(party, role, kind, **extra),
            tab=tab,
            invalid=True,
        )
    edit = request.GET.get("edit")
    extra = {}
    if edit == "new":
        extra = {"form": form_class(), "editing_id": "new"}
    elif edit:
        item = get_object_or_404(model, pk=edit, customer=party)
        initial = {f: getattr(item, f) for f in form_class.base_fields if hasattr(item, f)}
        extra = {"form": form_class(initial=initial), "editing_id": item.pk}
    return section(request, ctx, template, _points_context(party, role, kind, **extra), tab=tab)


@panel_action()
def point_delete(
    request: HttpRequest, ctx: PanelContext, role: str, kind: str, pk: int
) -> HttpResponse:
    if kind not in POINTS or request.method != "POST":
        raise Http404
    party = _party(ctx, role)
    model, _, _, noun = POINTS[kind]
    require_perm(request, f"accounts.delete_customer{noun}")
    item = get_object_or_404(model, pk=pk, customer=party)
    template, tab = T + "_points.html", "customer" if role == "customer" else "owner"
    try:
        customer_contact_point_delete(customer=party, user=request.user, item=item)
    except ValidationError as e:
        extra = {"error": " ".join(e.messages)}
        return section(
            request,
            ctx,
            template,
            _points_context(party, role, kind, **extra),
            tab=tab,
            invalid=True,
        )
    return section(
        request, ctx, template, _points_context(party, role, kind), tab=tab, changed=True
    )


@panel_action(post_permission="accounts.change_customer")
def notices(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    customer = ctx.customer
    if request.method != "POST":
        raise Http404
    form = NoticesForm(request.POST)
    form.is_valid()  # two booleans: always valid
    try:
        customer_notices_update(customer=customer, user=request.user, **form.cleaned_data)
    except ValidationError as e:
        extra = {"error": " ".join(e.messages)}
        return section(
            request,
            ctx,
            T + "_points.html",
            _points_context(customer, "customer", "emails", **extra),
            tab="customer",
            invalid=True,
        )
    return section(
        request,
        ctx,
        T + "_points.html",
        _points_context(customer, "customer", "emails"),
        tab="customer",
        changed=True,
    )


def _documents_context(ctx: PanelContext, **extra) -> dict:
    return {
        "party": ctx.customer,
        "documents": customer_documents(customer=ctx.customer, user=ctx.user),
        **extra,
    }


@panel_action(post_permission="accounts.add_customerdocument")
def documents(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    template = T + "_documents.html"
    if request.method == "POST":
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                customer_document_add(
                    customer=ctx.customer,
                    user=request.user,
                    document_type=form.cleaned_data["document_type"],
                    description=form.cleaned_data["description"],
                    upload=form.cleaned_data["file"],
                )
                return section(
                    request, ctx, template, _documents_context(ctx), tab="customer", changed=True
                )
            except ValidationError as e:
                apply_service_errors(form, e)
        return section(
            request, ctx, template, _documents_context(ctx, form=form), tab="customer", invalid=True
        )
    form = DocumentForm() if request.GET.get("edit") else None
    return section(request, ctx, template, _documents_context(ctx, form=form), tab="customer")


@panel_action()
def document_file(request: HttpRequest, ctx: PanelContext, pk: int) -> FileResponse:
    """The file itself; secure types only for permitted roles (seed 004)."""
    document = get_object_or_404(ctx.customer.documents.select_related("document_type"), pk=pk)
    if document.document_type.is_secure:
        require_perm(request, SECURE_DOCUMENT_PERMISSION)
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response


@panel_action(post_permission="accounts.delete_customerdocument")
def document_delete(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404
    document = get_object_or_404(ctx.customer.documents, pk=pk)
    customer_document_delete(customer=ctx.customer, user=request.user, document=document)
    return section(
        request, ctx, T + "_documents.html", _documents_context(ctx), tab="customer", changed=True
    )


@panel_action(post_permission="accounts.change_account")
def account_flags(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """Budget billing, bad debt, collections (supervisors: `change_account`)."""
    account, template = ctx.account, T + "_account_flags.html"
    fields = ("is_budget_billing", "is_bad_debt", "in_collections")
    if request.method == "POST":
        form = AccountFlagsForm(request.POST)
        form.is_valid()
        account_flags_update(account=account, user=request.user, data=form.cleaned_data)
        data = {"changes": changes_for_account(account_id=account.pk, limit=10)}
        return section(request, ctx, template, data, tab="customer", changed=True)
    editing = bool(request.GET.get("edit")) and request.user.has_perm("accounts.change_account")
    form = AccountFlagsForm(initial={f: getattr(account, f) for f in fields}) if editing else None
    data = {
        "form": form,
        "editing": editing,
        "changes": changes_for_account(account_id=account.pk, limit=10),
    }
    return section(request, ctx, template, data, tab="customer")
