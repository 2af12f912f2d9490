"""/my/: the web self-care portal's pages (thin: selectors read, services act)."""

import uuid
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods

from ..models import Payment
from ..processors import InvalidCardToken, card_processor
from .forms import PortalConfirmForm, PortalLoginForm, PortalPayForm
from .selectors import portal_account_get, portal_account_page, portal_accounts, web_login_of
from .services import CARD_PROCESSOR, portal_payment_make

T = "payments/portal/"


def web_user_required(view: Callable) -> Callable:
    """Signed in (else the portal's own sign-in page) as a web user (else 403); an
    account number in the URL that is not this customer's is the portal's 404."""

    @login_required(login_url=reverse_lazy("portal:login"))
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        web_login = web_login_of(request.user)
        if web_login is None:
            raise PermissionDenied
        request.web_login = web_login
        number = kwargs.pop("number", None)
        if number is None:
            return view(request, *args, **kwargs)
        try:
            account = portal_account_get(web_login=web_login, number=number)
        except Http404:
            return render(request, T + "404.html", status=404)
        return view(request, account, *args, **kwargs)

    return wrapper


login = auth_views.LoginView.as_view(
    template_name=T + "login.html",
    authentication_form=PortalLoginForm,
    next_page=reverse_lazy("portal:home"),
)
logout = auth_views.LogoutView.as_view(next_page=reverse_lazy("portal:login"))
reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name=T + "reset_confirm.html", success_url=reverse_lazy("portal:reset-done")
)
reset_done = auth_views.PasswordResetCompleteView.as_view(template_name=T + "reset_complete.html")


@require_http_methods(["GET", "HEAD"])
@web_user_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, T + "home.html", {"rows": portal_accounts(web_login=request.web_login)})


@require_http_methods(["GET", "HEAD"])
@web_user_required
def account(request: HttpRequest, account) -> HttpResponse:
    return render(request, T + "account.html", portal_account_page(account=account))


@require_http_methods(["GET", "HEAD", "POST"])
@web_user_required
def pay(request: HttpRequest, account) -> HttpResponse:
    """Step 1: the amount (default the past due, else the balance); then the processor's
    hosted card form, which comes back to `confirm` with the card token."""
    page = portal_account_page(account=account)
    if request.method == "POST":
        form = PortalPayForm(request.POST)
        if form.is_valid():
            back = request.build_absolute_uri(
                reverse("portal:confirm", args=[account.number])
                + "?"
                + urlencode(
                    {"amount": form.cleaned_data["amount"], "key": form.cleaned_data["key"]}
                )
            )
            hosted = card_processor(CARD_PROCESSOR).hosted_form_url(
                return_url=back, reference=account.number
            )
            return redirect(hosted)
    else:
        due = page["aging"].past_due
        default = due if due > 0 else (account.balance if account.balance > 0 else None)
        form = PortalPayForm(initial={"amount": default, "key": uuid.uuid4().hex})
    return render(
        request, T + "pay.html", {**page, "form": form}, status=422 if form.errors else 200
    )


@require_http_methods(["GET", "HEAD", "POST"])
@web_user_required
def confirm(request: HttpRequest, account) -> HttpResponse:
    """Step 2: the amount and card shown back; Pay charges and posts (one payment per key)."""
    form = PortalConfirmForm(request.POST if request.method == "POST" else request.GET)
    context = {"account": account, "form": form, "card": None, "amount": None, "error": ""}
    if not form.is_valid():
        return render(request, T + "confirm.html", context, status=422)
    data = form.cleaned_data
    try:
        context["card"] = card_processor(CARD_PROCESSOR).token_details(data["card_token"])
    except InvalidCardToken as err:
        context["error"] = str(err)
        return render(request, T + "confirm.html", context, status=422)
    context["amount"] = data["amount"]
    if request.method != "POST":
        return render(request, T + "confirm.html", context)
    result = portal_payment_make(
        account=account,
        amount=data["amount"],
        card_token=data["card_token"],
        key=data["key"],
        payer_name=str(account.customer),
    )
    if not result.approved:
        context["error"] = result.message
        context["card"] = None
        return render(request, T + "confirm.html", context, status=422)
    return redirect("portal:done", account.number, result.payment_id)


@require_http_methods(["GET", "HEAD"])
@web_user_required
def done(request: HttpRequest, account, pk: int) -> HttpResponse:
    payment = Payment.objects.filter(account=account, pk=pk).first()
    if payment is None:
        return render(request, T + "404.html", status=404)
    account.refresh_from_db()
    return render(request, T + "done.html", {"account": account, "payment": payment})
