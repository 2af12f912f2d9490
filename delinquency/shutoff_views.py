"""/acp/<number>/shutoff/...: the Shut-off tab's actions (issue 12 item 7). Each answers
the tab's HTML to htmx (422 with the messages beside the fields); every change goes
through delinquency.services.protections."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from accounts.acp.views.base import panel_action, section
from accounts.models import Bill
from accounts.panel import PanelContext

from .models import BillDispute, MedicalCertificate
from .panel_shutoff import (
    ADD_CERTIFICATE,
    ADD_DISPUTE,
    RESOLVE_DISPUTE,
    TAB,
    TEMPLATE,
    VIEW,
    tab_context,
)
from .services import protections

DATE = forms.DateInput(attrs={"type": "date"})


class CertificateForm(forms.Form):
    certified_on = forms.DateField(label="Certified on", widget=DATE)
    expires_on = forms.DateField(label="Expires on", widget=DATE)
    certifier = forms.CharField(label="Physician or agency", max_length=120)


class RenewForm(forms.Form):
    certified_on = forms.DateField(label="Certified on", widget=DATE)
    expires_on = forms.DateField(label="Expires on", widget=DATE)
    certifier = forms.CharField(
        label="Physician or agency", max_length=120, required=False, help_text="Blank: the same."
    )


class DisputeForm(forms.Form):
    bill = forms.ModelChoiceField(queryset=Bill.objects.none(), label="Bill")
    opened_on = forms.DateField(label="Opened on", widget=DATE)
    reason = forms.CharField(label="What is disputed", max_length=200)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bill"].queryset = Bill.objects.filter(account=account).order_by(
            "-bill_date", "-pk"
        )
        self.fields["bill"].label_from_instance = lambda b: (
            f"{b.bill_date:%m/%d/%Y} due {b.due_date:%m/%d/%Y}"
        )


def _errors_to(form: forms.Form, err: ValidationError) -> None:
    if hasattr(err, "error_dict"):
        for name, messages in err.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, err.messages)


def _answer(request, ctx, *, changed=False, invalid=False, **extra) -> HttpResponse:
    return section(
        request, ctx, TEMPLATE, tab_context(ctx, **extra), tab=TAB, changed=changed, invalid=invalid
    )


@panel_action()
def shutoff_tab(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    return _answer(request, ctx)


@require_POST
@panel_action(post_permission=ADD_CERTIFICATE)
def certificate_add(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    form = CertificateForm(request.POST, prefix="cert")
    if form.is_valid():
        try:
            protections.medical_certificate_create(
                account=ctx.account, user=request.user, **form.cleaned_data
            )
            return _answer(request, ctx, changed=True, message="Medical certificate added.")
        except ValidationError as err:
            _errors_to(form, err)
    return _answer(request, ctx, invalid=True, certificate_form=form, show_certificate=True)


@require_POST
@panel_action(post_permission=ADD_CERTIFICATE)
def certificate_renew(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    certificate = MedicalCertificate.objects.filter(pk=pk, account=ctx.account).first()
    if certificate is None:
        raise Http404("No such certificate on this account.")
    form = RenewForm(request.POST, prefix="renew")
    if form.is_valid():
        try:
            protections.medical_certificate_renew(
                certificate=certificate, user=request.user, **form.cleaned_data
            )
            return _answer(request, ctx, changed=True, message="Medical certificate renewed.")
        except ValidationError as err:
            _errors_to(form, err)
    return _answer(request, ctx, invalid=True, renew_form=form, renewing=certificate)


@require_POST
@panel_action(post_permission=ADD_DISPUTE)
def dispute_open(request: HttpRequest, ctx: PanelContext) -> HttpResponse:
    form = DisputeForm(request.POST, account=ctx.account, prefix="dispute")
    if form.is_valid():
        try:
            protections.bill_dispute_open(
                account=ctx.account, user=request.user, **form.cleaned_data
            )
            return _answer(request, ctx, changed=True, message="Bill dispute opened.")
        except ValidationError as err:
            _errors_to(form, err)
    return _answer(request, ctx, invalid=True, dispute_form=form, show_dispute=True)


@require_POST
@panel_action(post_permission=RESOLVE_DISPUTE)
def dispute_resolve(request: HttpRequest, ctx: PanelContext, pk: int) -> HttpResponse:
    dispute = BillDispute.objects.filter(pk=pk, account=ctx.account).first()
    if dispute is None:
        raise Http404("No such dispute on this account.")
    try:
        protections.bill_dispute_resolve(dispute=dispute, user=request.user)
    except ValidationError as err:
        return _answer(request, ctx, invalid=True, error=" ".join(err.messages))
    return _answer(request, ctx, changed=True, message="Bill dispute resolved.")
