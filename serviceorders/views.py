"""/acp/<number>/serviceorders/...: the Service Orders tab's actions (seed 004), and
/acp/serviceorders/: the Service Order Control Panel (Management > Service Order).

Tab actions answer the tab's HTML to htmx (422 with the messages next to the fields); every
change goes through serviceorders.services.orders."""

import csv
import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_fsm import TransitionNotAllowed
from django_fsm_log.models import StateLog

from accounts.acp.selectors.access import accounts_visible
from accounts.acp.selectors.changes import changes_for_object
from accounts.acp.views.base import panel_action, section
from accounts.panel import PanelContext

from .exceptions import ServiceOrderError, ServiceOrderPermissionError
from .forms import ControlPanelFilterForm, ServiceOrderForm
from .models import ServiceOrder
from .panel import TAB, TEMPLATE, tab_context, tab_orders
from .pdf import service_order_pdf
from .selectors import REPORT_COLUMNS, reconnect_report, reconnect_report_rows
from .services import orders as services

VIEW = "serviceorders.view_serviceorder"
ADD = "serviceorders.add_serviceorder"
CHANGE = "serviceorders.change_serviceorder"
DELETE = "serviceorders.delete_serviceorder"
PAGE_SIZE = 50


def _messages(err: Exception) -> list[str]:
    if not isinstance(err, ValidationError):
        text = str(err)
        return [text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")]
    if hasattr(err, "error_dict"):
        return [m for ms in err.message_dict.values() for m in ms]
    return list(err.messages)


def _errors_to(form, err: Exception) -> None:
    if not isinstance(err, ValidationError):
        form.add_error(None, _messages(err))
    elif hasattr(err, "error_dict"):
        for field, messages in err.message_dict.items():
            name = {"class_": "order_class"}.get(field, field)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, err.messages)


def _answer(request, ctx, *, changed=False, invalid=False, **extra) -> HttpResponse:
    return section(
        request,
        ctx,
        TEMPLATE,
        tab_context(ctx, **extra),
        tab=TAB,
        changed=changed,
        invalid=invalid,
    )


def _order_or_404(ctx: PanelContext, pk: int) -> ServiceOrder:
    """An order of this account, or at its location (the "all for the location" list)."""
    order = (
        ServiceOrder.objects.select_related("type", "order_class", "tier_status", "account")
        .filter(pk=pk, location_id=ctx.account.location_id)
        .first()
    )
    if order is None:
        raise Http404("No such service order for this location.")
    return order


def _need(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@panel_action()
def so_tab(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    _need(request, VIEW)
    return _answer(request, ctx)


@require_POST
@panel_action(post_permission=ADD)
def so_add(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    form = ServiceOrderForm(request.POST, today=ctx.today, prefix="so")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.service_order_create(
                account=ctx.account,
                type=data["type"],
                effective_date=data["effective_date"],
                class_=data["order_class"],
                tier_status=data["tier_status"],
                origin=ServiceOrder.Origin.USER,
                user=request.user,
                notes=data["notes"],
            )
            return _answer(request, ctx, changed=True, message="Service order added.")
        except (ValidationError, ServiceOrderError) as err:
            _errors_to(form, err)
    return _answer(request, ctx, invalid=True, form=form, show_form=True)


@panel_action(post_permission=CHANGE)
def so_edit(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    """GET: the tab with the order's edit form open. POST: save it."""
    _need(request, CHANGE)
    order = _order_or_404(ctx, pk)
    if request.method != "POST":
        initial = {
            "order_class": order.order_class_id,
            "tier_status": order.tier_status_id,
            "effective_date": order.effective_date,
            "notes": order.notes,
        }
        form = ServiceOrderForm(initial=initial, today=ctx.today, prefix="edit", editing=True)
        return section(
            request,
            ctx,
            TEMPLATE,
            tab_context(ctx, editing=order, edit_form=form),
            tab=TAB,
            invalid=not request.htmx,
        )
    form = ServiceOrderForm(request.POST, today=ctx.today, prefix="edit", editing=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.service_order_update(
                order=order,
                user=request.user,
                order_class=data["order_class"],
                tier_status=data["tier_status"],
                effective_date=data["effective_date"],
                notes=data["notes"],
            )
            return _answer(request, ctx, changed=True, message=f"{order.number} saved.")
        except (ValidationError, ServiceOrderError) as err:
            _errors_to(form, err)
    return _answer(request, ctx, invalid=True, editing=order, edit_form=form)


@require_POST
@panel_action(post_permission=CHANGE)
def so_complete(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    order = _order_or_404(ctx, pk)
    try:
        services.service_order_complete(order=order, user=request.user)
    except (ValidationError, ServiceOrderError) as err:
        return _answer(request, ctx, invalid=True, error=" ".join(_messages(err)))
    return _answer(request, ctx, changed=True, message=f"{order.number} completed.")


@require_POST
@panel_action(post_permission=DELETE)
def so_delete(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    """Supervisors and Administrators only (README "Roles")."""
    order = _order_or_404(ctx, pk)
    number = order.number
    try:
        services.service_order_delete(order=order, user=request.user)
    except ServiceOrderPermissionError:
        raise PermissionDenied from None
    except (ValidationError, ServiceOrderError) as err:
        return _answer(request, ctx, invalid=True, error=" ".join(_messages(err)))
    return _answer(request, ctx, changed=True, message=f"{number} deleted.")


def order_history(order: ServiceOrder) -> dict:
    """The order's state log (django-fsm-log) and its field changes."""
    return {
        "states": StateLog.objects.for_(order).select_related("by").order_by("timestamp", "pk"),
        "changes": changes_for_object(instance=order),
    }


@panel_action()
def so_history(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    """Service Order History: the report of one order's states and changes."""
    _need(request, VIEW)
    order = _order_or_404(ctx, pk)
    template = "serviceorders/acp/_history.html" if request.htmx else "serviceorders/history.html"
    context = {"order": order, "account": ctx.account, **order_history(order)}
    return render(request, template, context)


@panel_action()
def so_print(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    """Print Service Order: the crew's form as a PDF."""
    _need(request, VIEW)
    order = _order_or_404(ctx, pk)
    response = HttpResponse(service_order_pdf(order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="service-order-{order.number}.pdf"'
    return response


CSV_HEADER = [
    "Number",
    "Account",
    "Location",
    "Type",
    "Class",
    "Tier status",
    "Status",
    "Effective date",
    "Completed on",
    "Origin",
    "Notes",
]


def _csv_row(order: ServiceOrder) -> list[str]:
    return [
        order.number,
        order.account.number,
        str(order.location),
        order.type.description,
        order.order_class.description if order.order_class else "",
        order.tier_status.description if order.tier_status else "",
        order.get_status_display(),
        order.effective_date.isoformat(),
        order.completed_on.isoformat() if order.completed_on else "",
        order.get_origin_display(),
        order.notes,
    ]


def _csv_response(orders, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for order in orders:
        writer.writerow(_csv_row(order))
    return response


@panel_action()
def so_location_report(request: HttpRequest, ctx: PanelContext, fmt: str) -> HttpResponse:
    """Service Order List: every order at the account's location (HTML or CSV)."""
    _need(request, VIEW)
    orders = tab_orders(ctx, status="both", whole_location=True).select_related("location")
    if fmt == "csv":
        return _csv_response(orders, f"service-orders-location-{ctx.location.pk}.csv")
    if fmt != "html":
        raise Http404
    return render(
        request,
        "serviceorders/location_report.html",
        {"orders": orders, "account": ctx.account, "location": ctx.location},
    )


# The Service Order Control Panel (Management > Service Order)


def control_panel_orders(user, data: dict):
    """Orders on accounts this user may see, filtered as the form says."""
    orders = ServiceOrder.objects.filter(account__in=accounts_visible(user=user)).select_related(
        "type", "order_class", "tier_status", "account", "location"
    )
    if data.get("status"):
        orders = orders.filter(status=data["status"])
    for name in ("type", "order_class", "tier_status"):
        if data.get(name):
            orders = orders.filter(**{name: data[name]})
    if data.get("effective_from"):
        orders = orders.filter(effective_date__gte=data["effective_from"])
    if data.get("effective_to"):
        orders = orders.filter(effective_date__lte=data["effective_to"])
    if data.get("account"):
        orders = orders.filter(account__number=data["account"].strip())
    return orders.order_by("effective_date", "pk")


BULK_ACTIONS = {"dispatch": "dispatched", "complete": "completed"}


def bulk_run(*, user, action: str, orders) -> tuple[list[str], list[str]]:
    """Run `action` on each order on its own: one refused is reported and does not undo
    the others. Returns (done numbers, failure lines)."""
    done, failed = [], []
    for order in orders:
        try:
            with transaction.atomic():
                if action == "dispatch":
                    services.service_order_dispatch(order=order, user=user)
                else:
                    services.service_order_complete(order=order, user=user)
            done.append(order.number)
        except (ValidationError, ServiceOrderError) as err:
            failed.append(f"{order.number}: {' '.join(_messages(err))}")
        except TransitionNotAllowed:  # the services check first; this is the model's word
            failed.append(f"{order.number}: cannot be {BULK_ACTIONS[action]} when {order.status}.")
    return done, failed


@login_required
def control_panel(request: HttpRequest) -> HttpResponse:
    _need(request, VIEW)
    result = None
    if request.method == "POST":
        _need(request, CHANGE)
        action = request.POST.get("action", "")
        if action not in BULK_ACTIONS:
            return HttpResponse("Unknown action.", status=400)
        ids = [int(i) for i in request.POST.getlist("order") if i.isdigit()]
        chosen = control_panel_orders(request.user, {}).filter(pk__in=ids)
        done, failed = bulk_run(user=request.user, action=action, orders=list(chosen))
        result = {"action": BULK_ACTIONS[action], "done": done, "failed": failed}
        query = request.POST.get("query", "")
        params = request.GET.copy()
        if query:
            params = QueryDict(query)
    else:
        params = request.GET
    form = ControlPanelFilterForm(params or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    orders = control_panel_orders(request.user, data)
    if params.get("format") == "csv" and request.method == "GET":
        return _csv_response(orders, "service-orders.csv")
    page = Paginator(orders, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "result": result,
        "can_change": request.user.has_perm(CHANGE),
    }
    template = "serviceorders/_control_list.html" if request.htmx else "serviceorders/control.html"
    status = 422 if form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


@login_required
def reconnect_report_view(request: HttpRequest) -> HttpResponse:
    """The daily auto-reconnect report (issue 11 item 4): why each shut-off account that
    paid on a day was or was not reconnected, and the time from payment to order. HTML,
    or CSV with `?format=csv`; accounts the user may not see are left out."""
    _need(request, VIEW)
    try:
        day = (
            dt.date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else None
        )
    except ValueError:
        return HttpResponse("date must be YYYY-MM-DD.", status=400, content_type="text/plain")
    day = day or timezone.localdate()
    decisions = reconnect_report(on=day).filter(account__in=accounts_visible(user=request.user))
    rows = reconnect_report_rows(decisions)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="reconnects-{day}.csv"'
        writer = csv.writer(response)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows(rows)
        return response
    return render(
        request,
        "serviceorders/reconnect_report.html",
        {"day": day, "columns": REPORT_COLUMNS, "rows": rows},
    )
