"""The sandbox processor's hosted payment form (seed 004: "Click the Setup Payment Token
button ... a Hosted Payment Form ... will open"). A real processor serves this page itself;
the sandbox serves it here so `make run` and the tests walk the same steps. The card number
is posted to this view, turned into a token and dropped: it is never stored or logged."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters

from .sandbox import TEST_CARDS, sandbox_tokenize


class CardForm(forms.Form):
    number = forms.CharField(label="Card number", max_length=23)
    exp_month = forms.IntegerField(label="Expiry month", min_value=1, max_value=12)
    exp_year = forms.IntegerField(label="Expiry year", min_value=2000, max_value=2099)
    cvc = forms.CharField(label="Security code", max_length=4, required=False)


@sensitive_post_parameters("number", "cvc")
@login_required
def sandbox_card_form(request: HttpRequest) -> HttpResponse:
    # A web user (the /my/ portal) sees it in the portal's layout, a CSR in the panel's.
    from ..portal.selectors import web_login_of

    base = "payments/portal/base.html" if web_login_of(request.user) else "accounts/acp/base.html"
    back = request.GET.get("return") or request.POST.get("return") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    form = CardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token = sandbox_tokenize(
                number=form.cleaned_data["number"],
                exp_month=form.cleaned_data["exp_month"],
                exp_year=form.cleaned_data["exp_year"],
            )
        except ValueError as err:
            form.add_error("number", str(err))
        else:
            glue = "&" if "?" in back else "?"
            return HttpResponseRedirect(f"{back}{glue}card_token={token}")
    return render(
        request,
        "payments/processors/sandbox_card_form.html",
        {"form": form, "back": back, "test_cards": TEST_CARDS, "base_template": base},
        status=422 if form.errors else 200,
    )
