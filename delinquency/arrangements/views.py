"""/acp/<number>/arrangements/...: the Arrangements tab's actions and the New Payment
Arrangement Wizard (seed 004). Server-rendered steps posted to one URL (`go` names the
step wanted; Setup's fields travel as hidden inputs), answered to htmx as the tab's HTML
(422 when a step refuses, the messages next to the fields). Every change goes through
delinquency.services.arrangements."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.acp.views.base import panel_action, panel_url
from accounts.models import ServiceAgreement
from accounts.panel import PanelContext
from cis.money import ZERO

from ..arrangements_pdf import arrangement_history_pdf, arrangement_pdf, plan_pdf
from ..models import Arrangement
from ..panel_arrangements import ADD, DELETE, TAB, TEMPLATE, VIEW, tab_context
from ..services.arrangements import (
    ArrangementError,
    arrangement_create,
    arrangement_delete,
    arrangement_plan,
    arrangement_services,
    arrangement_warnings,
)
from .forms import ConfirmForm, DeleteForm, SetupForm

STEPS = ("warnings", "setup", "review", "confirm", "finish")


def _need(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _answer(request, ctx, *, status=200, changed=False, **extra) -> HttpResponse:
    """The tab's HTML, for htmx and for a plain request alike (the wizard keeps its state
    in the page); a plain request that changed something goes back to the panel."""
    if changed and not request.htmx and not extra.get("wizard"):
        return redirect(panel_url(ctx, TAB))
    response = render(
        request,
        TEMPLATE,
        {"ctx": ctx, "account": ctx.account, **tab_context(ctx, **extra)},
        status=status,
    )
    if changed:
        response["HX-Trigger"] = "acp-changed"
    return response


def _selected(ctx: PanelContext, pk: int) -> Arrangement:
    arrangement = Arrangement.objects.filter(account=ctx.account, pk=pk).first()
    if arrangement is None:
        raise Http404("No such arrangement on this account.")
    return arrangement


@panel_action()
def arr_tab(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    _need(request, VIEW)
    return _answer(request, ctx)


def _setup_form(ctx: PanelContext, data=None) -> SetupForm:
    services = arrangement_services(account=ctx.account)
    qs = (
        ServiceAgreement.objects.filter(pk__in=[sa.pk for sa in services])
        .select_related("sa_type")
        .order_by("sa_type__payment_priority", "pk")
    )
    initial = {
        "sas": [sa.pk for sa in services],
        "amount": sum((sa.balance for sa in services), ZERO) or None,
    }
    return SetupForm(data, services=qs, prefix="arr", initial=initial)


def _plan(ctx: PanelContext, form: SetupForm):
    """The checked plan, or None with the refusal on the form."""
    if not form.is_valid():
        return None
    try:
        return arrangement_plan(account=ctx.account, today=ctx.today, **form.service_kwargs())
    except ArrangementError as err:
        form.add_error(None, str(err))
        return None


def _wizard(step: str, **data) -> dict:
    return {"wizard": {"step": step, "steps": STEPS[:-1], **data}}


@panel_action(post_permission=ADD)
def arr_new(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """The New Payment Arrangement Wizard: Warnings -> Setup -> Review -> Confirmation ->
    Finish. It goes past Warnings only when nothing blocks (seed 004: "The Wizard will not
    open unless these conditions are met")."""
    _need(request, ADD)
    warnings = arrangement_warnings(account=ctx.account, on=ctx.today)
    blocked = any(w.blocks for w in warnings)
    go = request.POST.get("go", "warnings") if request.method == "POST" else "warnings"
    if go not in (*STEPS, "calc"):
        go = "warnings"
    if go == "warnings" or blocked:
        status = 422 if blocked and go != "warnings" else 200
        return _answer(
            request, ctx, status=status, **_wizard("warnings", warnings=warnings, blocked=blocked)
        )
    if go == "setup" and "arr-amount" not in request.POST:
        return _answer(request, ctx, **_wizard("setup", form=_setup_form(ctx)))
    form = _setup_form(ctx, request.POST)
    plan = _plan(ctx, form)
    if plan is None:
        return _answer(request, ctx, status=422, **_wizard("setup", form=form))
    if go in ("setup", "calc"):
        return _answer(request, ctx, **_wizard("setup", form=form, plan=plan))
    if go == "review":
        return _answer(request, ctx, **_wizard("review", form=form, plan=plan))
    confirm = ConfirmForm(request.POST if go == "finish" else None, prefix="ok")
    if go == "confirm":
        return _answer(request, ctx, **_wizard("confirm", form=form, plan=plan, confirm=confirm))
    if not confirm.is_valid():
        return _answer(
            request, ctx, status=422, **_wizard("confirm", form=form, plan=plan, confirm=confirm)
        )
    try:
        arrangement = arrangement_create(
            account=ctx.account, user=request.user, today=ctx.today, **form.service_kwargs()
        )
    except ArrangementError as err:
        form.add_error(None, str(err))
        return _answer(request, ctx, status=422, **_wizard("setup", form=form))
    return _answer(
        request,
        ctx,
        changed=True,
        selected_pk=arrangement.pk,
        **_wizard("finish", arrangement=arrangement),
    )


@require_POST
@panel_action(post_permission=ADD)
def arr_preview(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """Review's Preview / Print: the schedule not yet saved, as a PDF."""
    form = _setup_form(ctx, request.POST)
    plan = _plan(ctx, form)
    if plan is None:
        messages = [m for ms in form.errors.values() for m in ms]
        return HttpResponse(" ".join(messages), status=400, content_type="text/plain")
    return _pdf(plan_pdf(plan=plan, user=request.user), "arrangement-preview.pdf")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@panel_action()
def arr_print(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    """Print Arrangement: the plan and its payments."""
    _need(request, VIEW)
    arrangement = _selected(ctx, pk)
    return _pdf(arrangement_pdf(arrangement=arrangement), f"arrangement-{arrangement.number}.pdf")


@panel_action()
def arr_history(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """Print History: every arrangement of the account."""
    _need(request, VIEW)
    return _pdf(
        arrangement_history_pdf(account=ctx.account), f"arrangements-{ctx.account.number}.pdf"
    )


@require_POST
@panel_action(post_permission=DELETE)
def arr_delete(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    arrangement = _selected(ctx, pk)
    form = DeleteForm(request.POST, prefix="del")
    if not form.is_valid():
        return _answer(
            request, ctx, status=422, delete_form=form, selected_pk=pk, error="Enter a reason."
        )
    try:
        arrangement_delete(
            arrangement=arrangement,
            user=request.user,
            reason=form.cleaned_data["reason"],
            today=ctx.today,
        )
    except ArrangementError as err:
        return _answer(request, ctx, status=422, selected_pk=pk, error=str(err))
    return _answer(
        request, ctx, changed=True, selected_pk=pk, message=f"{arrangement.number} deleted."
    )
