"""History tab > Refund (issue 13 item 2): a CSR requests a refund of the account's credit;
a Supervisor other than the requester approves (posting it) or rejects it; a request is
cancelled by its requester or an approver. Every save re-renders the History tab."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from cis.money import money_format

from ...models import Refund
from ...panel import PanelContext
from ...services.refunds import (
    REQUEST_PERMISSION,
    RefundError,
    refund_approve,
    refund_cancel,
    refund_credit_available,
    refund_reject,
    refund_request,
)
from ..forms import RefundDecisionForm, RefundRequestForm
from .base import panel_action, require_perm
from .panel import tabs_area


def _history(request: HttpRequest, ctx: PanelContext, *, message="", error="") -> HttpResponse:
    request.GET = QueryDict()
    response = tabs_area(request, ctx, "history", extra={"message": message, "refund_error": error})
    response["HX-Retarget"] = "#tabs-area"
    response["HX-Reswap"] = "outerHTML"
    response["HX-Trigger"] = "acp-changed"
    return response


def _messages(error: Exception) -> str:
    messages = getattr(error, "messages", None) or [str(error)]
    return " ".join(m[0].upper() + m[1:] for m in messages if m)


@panel_action(post_permission=REQUEST_PERMISSION)
def refund_new(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """GET: the request form, amount defaulting to the credit available. POST: request."""
    require_perm(request, REQUEST_PERMISSION)
    available = refund_credit_available(account=ctx.account)
    template = "accounts/acp/history/_refund_form.html"
    if request.method != "POST":
        form = RefundRequestForm(initial={"amount": available})
        return render(
            request,
            template,
            {"ctx": ctx, "account": ctx.account, "form": form, "available": available},
        )
    form = RefundRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            refund = refund_request(
                account=ctx.account,
                amount=data["amount"],
                method=data["method"],
                reason=data["reason"],
                user=request.user,
                payee_name=data["payee_name"],
                routing_number=data["routing_number"],
                bank_account_number=data["bank_account_number"],
                bank_account_type=data["bank_account_type"],
            )
        except (RefundError, ValidationError) as e:
            form.add_error(None, _messages(e))
        else:
            return _history(
                request,
                ctx,
                message=f"Refund of {money_format(refund.amount)} by "
                f"{refund.get_method_display().lower()} requested; it awaits a "
                "supervisor's approval.",
            )
    context = {"ctx": ctx, "account": ctx.account, "form": form, "available": available}
    return render(request, template, context, status=422)


@require_POST
@panel_action()
def refund_action(request: HttpRequest, ctx: PanelContext, pk: int, action: str) -> HttpResponse:
    refund = get_object_or_404(Refund, pk=pk, account=ctx.account)
    form = RefundDecisionForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    try:
        if action == "approve":
            refund_approve(refund=refund, user=request.user)
            message = f"Refund of {money_format(refund.amount)} approved and posted."
        elif action == "reject":
            refund_reject(refund=refund, user=request.user, reason=reason or "Rejected")
            message = f"Refund of {money_format(refund.amount)} rejected."
        elif action == "cancel":
            refund_cancel(refund=refund, user=request.user, reason=reason or "Cancelled")
            message = f"Refund of {money_format(refund.amount)} cancelled."
        else:
            raise Http404
    except PermissionDenied:
        raise
    except (RefundError, ValidationError) as e:
        return _history(request, ctx, error=_messages(e))
    return _history(request, ctx, message=message)
