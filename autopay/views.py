"""/acp/<number>/autopay/...: the Auto Payment sub-tab's actions (seed 004; seed 001 steps
1.2-1.5). Each answers the section's HTML to htmx (422 with the messages next to the
fields), or sends a plain request back to the panel."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from accounts.acp.views.base import panel_action, section
from accounts.panel import PanelContext
from accounts.services.pii import RevealRefused
from cis.money import is_plain_decimal

from .forms import ChangeForm, EnrollForm, RevealForm, StopForm
from .models import Clearing, Enrollment
from .panel import autopay_section_context
from .selectors import clearing_for_account, enrollment_running
from .services.enrollment import autopay_change, autopay_enroll, autopay_stop, bank_account_reveal
from .services.manual import clearing_create_manual, clearing_delete, clearing_freeze

T = "autopay/acp/_autopay.html"


def _errors_to(form, err: ValidationError) -> None:
    if hasattr(err, "error_dict"):
        for field, messages in err.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, err.messages)


def _answer(request, ctx, *, changed=False, invalid=False, **extra) -> HttpResponse:
    ctx.memo.pop("autopay", None)
    data = autopay_section_context(ctx, **extra)
    # The sub-tab's name turns red once an autopay is set up, and back when it stops.
    data["subtab"] = {
        "key": "autopay",
        "label": "Auto Payment",
        "has_records": data["enrollment"] is not None,
    }
    return section(
        request,
        ctx,
        T,
        {"section": data},
        tab="customer",
        changed=changed,
        invalid=invalid,
    )


@panel_action()
def autopay_section(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    return _answer(request, ctx)


@require_POST
@panel_action(post_permission="autopay.add_enrollment")
def autopay_enroll_view(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    form = EnrollForm(request.POST)
    if form.is_valid():
        try:
            autopay_enroll(account=ctx.account, user=request.user, data=form.cleaned_data)
            return _answer(request, ctx, changed=True)
        except ValidationError as err:
            _errors_to(form, err)
    return _answer(request, ctx, invalid=True, enroll_form=form)


def _running_or_404(ctx: PanelContext) -> Enrollment:
    enrollment = enrollment_running(account=ctx.account)
    if enrollment is None:
        raise Http404("No automatic payment is set up.")
    return enrollment


@require_POST
@panel_action(post_permission="autopay.change_enrollment")
def autopay_change_view(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    enrollment = _running_or_404(ctx)
    form = ChangeForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if not data.get("bank_account_number"):
            data.pop("bank_account_number", None)
        try:
            autopay_change(enrollment=enrollment, user=request.user, data=data)
            return _answer(request, ctx, changed=True)
        except ValidationError as err:
            _errors_to(form, err)
    return _answer(request, ctx, invalid=True, change_form=form)


@require_POST
@panel_action(post_permission="autopay.change_enrollment")
def autopay_stop_view(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    enrollment = _running_or_404(ctx)
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            autopay_stop(
                enrollment=enrollment,
                user=request.user,
                reason=form.cleaned_data["stop_reason"],
                comment=form.cleaned_data["stop_comment"],
            )
            return _answer(request, ctx, changed=True)
        except ValidationError as err:
            _errors_to(form, err)
    return _answer(request, ctx, invalid=True, stop_form=form)


@panel_action()
def autopay_reveal(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """GET: the password prompt. POST: the clear number in this response only (never
    cached), with an audit row; or the prompt again with the reason."""
    if not request.user.has_perm("autopay.reveal_bank_account"):
        raise PermissionDenied
    enrollment = _running_or_404(ctx)
    data = {"ctx": ctx, "enrollment": enrollment}
    if request.method == "GET":
        return render(request, "autopay/acp/_reveal.html", data)
    form = RevealForm(request.POST)
    status, value = 422, None
    if form.is_valid():
        try:
            value = bank_account_reveal(
                user=request.user,
                enrollment=enrollment,
                password=form.cleaned_data["password"],
                ip_address=request.META.get("REMOTE_ADDR"),
                request=request,
            )
            status = 200
        except RevealRefused as refused:
            if refused.permission:
                raise PermissionDenied from None
            form.add_error("password", refused.reason)
    response = render(
        request, "autopay/acp/_reveal.html", {**data, "form": form, "value": value}, status=status
    )
    response["Cache-Control"] = "no-store"
    return response


SIGNUP_FORMS = {"draft": "Bank Draft Signup", "card": "Credit Card Signup"}


@panel_action()
def autopay_signup(request: HttpRequest, ctx: PanelContext, kind: str) -> HttpResponse:
    """The signup form the customer signs (seed 004: "a form opens ... pre-populated with
    previously entered Customer information ... printed or exported"), as a PDF."""
    if kind not in SIGNUP_FORMS:
        raise Http404
    from weasyprint import HTML

    customer = ctx.customer
    address = customer.addresses.filter(is_primary=True).first()
    phone = customer.phones.filter(is_primary=True).first()
    email = customer.emails.filter(is_primary=True).first()
    html = render_to_string(
        "autopay/signup.html",
        {
            "title": SIGNUP_FORMS[kind],
            "kind": kind,
            "account": ctx.account,
            "customer": customer,
            "address": address,
            "phone": phone,
            "email": email,
            "location": ctx.location,
            "enrollment": enrollment_running(account=ctx.account),
        },
    )
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = SIGNUP_FORMS[kind].lower().replace(" ", "-")
    response["Content-Disposition"] = f'inline; filename="{name}-{ctx.account.number}.pdf"'
    return response


@panel_action()
def autopay_notice_pdf(request: HttpRequest, ctx: PanelContext, clearing_id: int) -> HttpResponse:
    """The advance notice of one autopay as the customer got it (or as a CSR prints it to
    mail: a TD-APNTC To Do when no email is on file)."""
    from .selectors import clearing_for_account
    from .services.notices import advance_notice_pdf

    if not request.user.has_perm("autopay.view_enrollment"):
        raise PermissionDenied
    clearing = clearing_for_account(account=ctx.account, pk=clearing_id)
    if clearing is None or not clearing.notice_due:
        raise Http404("No advance notice for this automatic payment.")
    response = HttpResponse(advance_notice_pdf(clearing=clearing), content_type="application/pdf")
    name = f"autopay-notice-{ctx.account.number}-{clearing.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _clearing_or_404(ctx: PanelContext, clearing_id: int) -> Clearing:
    clearing = clearing_for_account(account=ctx.account, pk=clearing_id)
    if clearing is None:
        raise Http404("No such automatic payment on this account.")
    return clearing


def _clearing_answer(request, ctx, action) -> HttpResponse:
    """Run a manual autopay action (seed 001 steps 3.1-4.9); its refusal is the message."""
    try:
        action()
    except ValidationError as err:
        messages = [
            m for ms in getattr(err, "message_dict", {"": err.messages}).values() for m in ms
        ]
        return _answer(request, ctx, invalid=True, clearing_error=" ".join(messages))
    return _answer(request, ctx, changed=True)


@require_POST
@panel_action(post_permission="autopay.add_clearing")
def autopay_payment_create(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    """A CSR creates this cycle's automatic payment now (steps 3.1-3.8): the amount the
    option gives unless the CSR enters another; distributed and frozen at once."""
    text = request.POST.get("amount", "").strip()
    if text and not is_plain_decimal(text):
        return _answer(request, ctx, invalid=True, clearing_error="Enter the amount as 123.45.")
    amount = Decimal(text) if text else None
    return _clearing_answer(
        request,
        ctx,
        lambda: clearing_create_manual(account=ctx.account, user=request.user, amount=amount),
    )


@require_POST
@panel_action(post_permission="autopay.change_clearing")
def autopay_payment_freeze(request: HttpRequest, ctx: PanelContext, clearing_id: int):
    clearing = _clearing_or_404(ctx, clearing_id)
    return _clearing_answer(
        request, ctx, lambda: clearing_freeze(clearing=clearing, user=request.user)
    )


@require_POST
@panel_action(post_permission="autopay.change_clearing")
def autopay_payment_delete(request: HttpRequest, ctx: PanelContext, clearing_id: int):
    """Delete an automatic payment before it goes to the bank (steps 4.3-4.5): its payment
    and tender are cancelled, the clearing record cancelled with the CSR's comment."""
    clearing = _clearing_or_404(ctx, clearing_id)
    comment = request.POST.get("comment", "").strip()[:200]
    return _clearing_answer(
        request,
        ctx,
        lambda: clearing_delete(clearing=clearing, user=request.user, comment=comment),
    )
