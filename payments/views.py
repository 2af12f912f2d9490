"""The Payments tab of the Account Control Panel (issue 4 item 9): thin views that parse a
form, call one service and re-render the tab; a refused payment comes back with the
service's message and nothing saved.

Permissions follow the API: adding needs `add_payment`; reverse, cancel, NSF, return and
transfer need `change_payment`; delete needs `delete_payment` (a Supervisor's; a CSR cancels
an unposted payment with a reason, issue 7 item 13); a receipt needs `view_payment`.
Accounts and tenders are looked up among those the user may see (items 10, 11)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.acp.views.base import panel_action, section
from accounts.acp.views.panel import tabs_area
from accounts.panel import PanelContext
from cis.money import money_format

from .exceptions import PaymentError
from .forms import (
    EventForm,
    PayeeFormSet,
    QuickPayForm,
    ReasonForm,
    ReceiptForm,
    ReturnForm,
    TenderFormSet,
    TransferForm,
)
from .models import DeferredChargeType, Payment
from .selectors import (
    panel_payment_get,
    panel_tender_source,
    payee_accounts_by_number,
    tenders_visible,
)
from .services.cancel import payment_cancel, tender_cancel, tender_return
from .services.deferred import deferred_participation_set
from .services.events import (
    DistributionMode,
    PaymentIn,
    TenderIn,
    payment_delete,
    payment_event_create,
)
from .services.receipts import receipt_print
from .services.transfer import payment_transfer

ADD, CHANGE, VIEW = "payments.add_payment", "payments.change_payment", "payments.view_payment"
DELETE = "payments.delete_payment"
TAB = "payments"


# The tabs a payment's actions are offered on, and the width of their grids (the action's
# form opens in a row under the payment's row, issue 8 item 6).
ACTION_TABS = {"payments": 6, "history": 9}


def _tab(
    request: HttpRequest, ctx: PanelContext, *, message: str = "", tab: str = TAB, **extra
) -> HttpResponse:
    """The whole tab the CSR acted on again (Payments or History: list and forms agree),
    and `acp-changed` so the dashboard cards fetch the new balance and last payment. The
    payment-center note was read when the form opened, so it does not pop up again."""
    request.GET = QueryDict()
    ctx.account.refresh_from_db(fields=["balance"])  # the service moved it: new default amount
    extra = {"message": message, "notes_seen": True, **extra}
    response = tabs_area(request, ctx, tab if tab in ACTION_TABS else TAB, extra=extra)
    response["HX-Retarget"] = "#tabs-area"
    response["HX-Reswap"] = "outerHTML"
    response["HX-Trigger"] = "acp-changed"
    return response


def _sentence(error: Exception) -> str:
    """A service's refusal as the CSR reads it: a capital letter and a full stop."""
    text = str(error).strip()
    if not text:
        return "The payment was refused."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _refused(request, ctx, template: str, context: dict) -> HttpResponse:
    return render(request, template, {"ctx": ctx, "account": ctx.account, **context}, status=422)


def _payment(ctx: PanelContext, pk: int) -> Payment:
    payment = panel_payment_get(account=ctx.account, pk=pk)
    if payment is None:
        raise Http404
    return payment


@require_POST
@panel_action(post_permission=ADD)
def quick_add(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """One tender, one payment to this account, distributed and frozen."""
    form = QuickPayForm(request.POST, balance=ctx.account.balance)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment_event_create(
                tender_source=panel_tender_source(),
                tenders=[
                    TenderIn(
                        tender_type=data["tender_type"],
                        amount=data["amount"],
                        check_number=data["check_number"],
                        last4=data["last4"],
                    )
                ],
                payments=[PaymentIn(account=ctx.account, amount=data["amount"])],
                mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
                user=request.user,
            )
            return _tab(request, ctx, message=f"Payment of {money_format(data['amount'])} posted.")
        except PaymentError as e:
            form.add_error(None, _sentence(e))
    return _refused(request, ctx, "payments/acp/_quick.html", {"quick": form})


def _event_forms(ctx: PanelContext, data=None):
    sas = list(ctx.account.agreements.select_related("sa_type").order_by("pk"))
    initial = [{"account_number": ctx.account.number}]
    return (
        EventForm(data, sas=sas),
        TenderFormSet(data, prefix="t"),
        PayeeFormSet(data, prefix="p", initial=None if data else initial),
    )


@panel_action(post_permission=ADD)
def event_new(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """The full payment event: several tenders, several payees, a distribution mode."""
    template = "payments/acp/_event.html"
    if request.method != "POST":
        event, tenders, payees = _event_forms(ctx)
        context = {"event": event, "tenders": tenders, "payees": payees, "notes": _notes(ctx)}
        return render(request, template, {"ctx": ctx, "account": ctx.account, **context})
    event, tenders, payees = _event_forms(ctx, request.POST)
    context = {"event": event, "tenders": tenders, "payees": payees}
    if not (event.is_valid() and tenders.is_valid() and payees.is_valid()):
        return _refused(request, ctx, template, context)
    tender_rows = [f.cleaned_data for f in tenders if f.cleaned_data.get("tender_type")]
    payee_rows = [f.cleaned_data for f in payees if f.cleaned_data.get("account_number")]
    found = payee_accounts_by_number(
        numbers=[r["account_number"] for r in payee_rows], user=request.user
    )
    for form in payees:
        number = form.cleaned_data.get("account_number")
        if number and number not in found:
            form.add_error("account_number", f"There is no account {number}.")
    if any(f.errors for f in payees):
        return _refused(request, ctx, template, context)
    if event.ask_confirmation([(found[r["account_number"]], r["amount"]) for r in payee_rows]):
        return _refused(request, ctx, template, context)
    mode = event.cleaned_data["mode"]
    manual = event.sa_amounts() if mode == DistributionMode.MANUAL else None
    try:
        payment_event_create(
            tender_source=panel_tender_source(),
            tenders=[
                TenderIn(
                    tender_type=r["tender_type"],
                    amount=r["amount"],
                    check_number=r["check_number"],
                    last4=r["last4"],
                )
                for r in tender_rows
            ],
            payments=[
                PaymentIn(
                    account=found[r["account_number"]],
                    amount=r["amount"],
                    sa_amounts=manual
                    if found[r["account_number"]] == ctx.account and manual
                    else None,
                )
                for r in payee_rows
            ],
            mode=mode,
            user=request.user,
            comments=event.cleaned_data["comments"],
        )
    except PaymentError as e:
        event.add_error(None, _sentence(e))
        return _refused(request, ctx, template, context)
    return _tab(request, ctx, message="Payment event added.")


def _notes(ctx: PanelContext) -> list:
    from .panel import payment_center_notes

    return payment_center_notes(ctx)


# Actions on one payment -------------------------------------------------------------------

ACTIONS = {
    # key: (label, form, permission)
    "reverse": ("Reverse payment", ReasonForm, CHANGE),
    "nsf": ("NSF (cancel tender)", ReasonForm, CHANGE),
    "return": ("Returned payment", ReturnForm, CHANGE),
    "transfer": ("Transfer to another account", TransferForm, CHANGE),
    "cancel": ("Cancel unposted payment", ReasonForm, CHANGE),
    "delete": ("Delete unposted payment", None, DELETE),
}


def _action_form(action: str, data=None):
    _, form_class, _ = ACTIONS[action]
    if form_class is None:
        return None
    if action == "nsf":
        return ReasonForm(data, nsf=True)
    return form_class(data)


def _tender_label(tender) -> str:
    """ "Check #4471", "Visa ending 1111", "Cash": how a CSR names a tender."""
    label = tender.tender_type.description
    if tender.check_number:
        return f"{label} #{tender.check_number}"
    if tender.last4:
        return f"{label} ending {tender.last4}"
    return label


def _run(action: str, payment: Payment, form, user) -> str:
    """Call the action's service; returns the message for the tab, in a sentence that
    says what was done (issue 8 item 1)."""
    data = form.cleaned_data if form is not None else {}
    amount = money_format(payment.amount)
    if action == "delete":
        payment_delete(payment=payment)
        return f"Unposted payment of {amount} deleted."
    if action in ("reverse", "cancel"):
        payment_cancel(payment=payment, reason=data["reason"], comment=data["comment"], user=user)
        done = "reversed" if action == "reverse" else "cancelled"
        return f"Payment of {amount} {done} ({data['reason'].description})."
    tender = payment.event.tenders.filter(status="valid").order_by("pk").first()
    # Cancelling the tender cancels the whole event: not this user's if it also pays a
    # private account (issue 7 item 10, as through the API).
    hidden = tender is not None and not tenders_visible(user=user).filter(pk=tender.pk).exists()
    if action in ("nsf", "return") and hidden:
        raise Http404
    if tender is None:
        raise PaymentError("This payment has no valid tender left to cancel.")
    if action == "nsf":
        tender_cancel(tender=tender, reason=data["reason"], comment=data["comment"], user=user)
        return (
            f"{_tender_label(tender)} of {money_format(tender.amount)} cancelled "
            f"({data['reason'].description})."
        )
    if action == "return":
        outcome = tender_return(
            tender=tender,
            reason=data["reason"],
            represent=data["represent"],
            represent_date=data["represent_date"],
            comment=data["comment"],
            user=user,
        )
        return f"Returned payment of {amount} recorded" + (
            " and presented again." if outcome.representment else "."
        )
    number = data["account_number"]
    target = payee_accounts_by_number(numbers=[number], user=user).get(number)
    if target is None:
        form.add_error("account_number", f"There is no account {number}.")
        raise _Invalid
    payment_transfer(
        payment=payment,
        reason=data["reason"],
        targets=[PaymentIn(account=target, amount=payment.amount)],
        comment=data["comment"],
        user=user,
    )
    return f"Payment of {amount} transferred to {target.number}."


class _Invalid(Exception):
    """A form error found while running the action (shown, nothing saved)."""


@panel_action()
def payment_action(request: HttpRequest, ctx: PanelContext, pk: int, action: str):
    """GET: the action's small form in a row under the payment's row. POST: run it and
    re-render the tab it came from (Payments or History)."""
    if action not in ACTIONS:
        raise Http404
    label, _, permission = ACTIONS[action]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    payment = _payment(ctx, pk)
    tab = (request.POST if request.method == "POST" else request.GET).get("tab", TAB)
    tab = tab if tab in ACTION_TABS else TAB
    template = "payments/acp/_action.html"
    context = {
        "payment": payment,
        "action": action,
        "label": label,
        "tab": tab,
        "cols": ACTION_TABS[tab],
        "tenders": list(payment.event.tenders.select_related("tender_type").order_by("pk")),
    }
    if request.method != "POST":
        context["form"] = _action_form(action)
        return render(request, template, {"ctx": ctx, "account": ctx.account, **context})
    form = context["form"] = _action_form(action, request.POST)
    if form is None or form.is_valid():
        try:
            message = _run(action, payment, form, request.user)
            return _tab(request, ctx, message=message, tab=tab)
        except PaymentError as e:
            context["error"] = _sentence(e)
        except _Invalid:
            pass
    return _refused(request, ctx, template, context)


@require_POST
@panel_action(post_permission=VIEW)
def receipt(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    """Print a receipt: the PDF opens in a new window; a reprint says DUPLICATE."""
    payment = _payment(ctx, pk)
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose a receipt layout.", status=400)
    try:
        pdf = receipt_print(payment=payment, layout=form.cleaned_data["layout"], user=request.user)
    except PaymentError as e:
        return HttpResponse(str(e), status=409, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{payment.pk}.pdf"'
    return response


# Customer tab > Deferred Charges (seed 004): opt a customer in or out of an item.


def _deferred_answer(request, ctx: PanelContext, *, changed=False, error="") -> HttpResponse:
    from .panel import deferred_has_records, deferred_section_context

    ctx.memo.pop("deferred", None)
    data = dict(deferred_section_context(ctx), error=error)
    data["subtab"] = {
        "key": "deferred",
        "label": "Deferred Charges",
        "has_records": deferred_has_records(ctx),
    }
    return section(
        request,
        ctx,
        "payments/acp/_deferred.html",
        {"section": data},
        tab="customer",
        changed=changed,
        invalid=bool(error),
    )


@panel_action()
def deferred_section(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    if not request.user.has_perm("payments.view_deferredchargetype"):
        raise PermissionDenied
    return _deferred_answer(request, ctx)


@require_POST
@panel_action(post_permission="payments.change_deferredchargeenrollment")
def deferred_set(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    charge_type = DeferredChargeType.objects.filter(pk=pk, is_active=True).first()
    if charge_type is None:
        raise Http404("No such deferred charge.")
    value = request.POST.get("participating")
    if value not in ("0", "1"):
        return _deferred_answer(request, ctx, error="Say whether the customer takes part.")
    deferred_participation_set(
        customer=ctx.customer,
        charge_type=charge_type,
        participating=value == "1",
        user=request.user,
    )
    return _deferred_answer(request, ctx, changed=True)
