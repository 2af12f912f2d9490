"""/acp/uploads/exceptions/: the CSR's upload exceptions screen (issue 9 item 5; seed 003
steps 7.4-8.3). Lists exceptions by file, date and reason (open by default, resolved on
request), pages of 25; one exception opens with its line, the file's raw text, what was
changed and, for a payment line in Error, a form to correct account / amount / accounting
date and set it Pending. The same screen lists the upload's payments in suspense, each
transferred to the right account with the panel's transfer rules.

Views only parse input and call one service (payments.upload.corrections). Needs
`view_uploadexception` to look, `change_uploadexception` to fix (CSR and Supervisor), and
`change_payment` to transfer. An account number that does not exist and a private account
the user may not see get the same answer."""

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cis.forms import BusinessDateFormField, MoneyFormField
from cis.money import is_plain_decimal, money_format
from cis.validators import no_card_number

from .exceptions import PaymentError
from .forms import TransferForm
from .models import PaymentCancelReason, StagingStatus, UploadException
from .upload.corrections import (
    Correction,
    suspense_payment_transfer,
    upload_exception_correct,
    upload_exception_recheck,
)
from .upload.worklist import (
    ExceptionFilters,
    ExceptionView,
    account_for_correction,
    exception_files,
    exception_reasons,
    staging_changes,
    suspense_line_get,
    suspense_lines,
    upload_exception_get,
    upload_exceptions_list,
)

VIEW_PERMISSION = "payments.view_uploadexception"
FIX_PERMISSION = "payments.change_uploadexception"
TRANSFER_PERMISSION = "payments.change_payment"
PAGE_SIZE = 25


class FilterForm(forms.Form):
    view = forms.ChoiceField(choices=ExceptionView.CHOICES, required=False, label="Show")
    file = forms.TypedChoiceField(coerce=int, required=False, label="File", empty_value=None)
    date = forms.DateField(
        required=False, label="Date", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.ChoiceField(required=False, label="Reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].choices = [("", "All files")] + [
            (f.pk, f"{f.name} ({f.received_at:%m/%d/%Y})") for f in exception_files()[:200]
        ]
        self.fields["reason"].choices = [("", "All reasons")] + [
            (r, r.replace("_", " ")) for r in exception_reasons()
        ]

    def filters(self) -> ExceptionFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return ExceptionFilters(
            view=data.get("view") or ExceptionView.OPEN,
            upload_file_id=data.get("file"),
            day=data.get("date"),
            reason=data.get("reason") or "",
        )


class CorrectionForm(forms.Form):
    account_number = forms.CharField(
        max_length=20,
        required=False,
        label="Account",
        help_text="Leave empty to keep the line's account.",
    )
    amount = MoneyFormField(min_value=Decimal("0.01"), label="Amount")
    accounting_date = BusinessDateFormField(label="Accounting date")
    comment = forms.CharField(
        max_length=200, required=False, label="Comment", validators=[no_card_number]
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_account_number(self):
        number = self.cleaned_data["account_number"].strip()
        if not number:
            return None
        account = account_for_correction(user=self.user, number=number)
        if account is None:
            raise ValidationError(f"There is no account {number}.")
        return account


class RecheckForm(forms.Form):
    comment = forms.CharField(
        max_length=200, required=False, label="Comment", validators=[no_card_number]
    )


def _correction_initial(line) -> dict:
    amount = line.amount
    if amount is None and is_plain_decimal(line.amount_text.strip()):
        amount = line.amount_text.strip()
    day: date | None = line.accounting_date or line.payment_date
    return {
        "account_number": line.account.number if line.account_id else "",
        "amount": amount,
        "accounting_date": day,
    }


def _sentence(error: Exception) -> str:
    messages_ = getattr(error, "messages", None) or [str(error)]
    text = " ".join(str(m) for m in messages_).strip() or "The change was refused."
    return text[0].upper() + text[1:]


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def exceptions_screen(request: HttpRequest) -> HttpResponse:
    return _screen(request, FilterForm(request.GET or None))


def _screen(request: HttpRequest, form: FilterForm, *, refused: dict | None = None):
    """The list; `refused`: a transfer refused on one suspense row (`pk`, `error`, the
    values typed), shown in that row with what was typed (422)."""
    filters = form.filters()
    suspense = filters.view == ExceptionView.SUSPENSE
    rows = (
        suspense_lines(user=request.user, filters=filters)
        if suspense
        else upload_exceptions_list(user=request.user, filters=filters)
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "suspense": suspense,
        "page": page,
        "query": query.urlencode(),
        "transfer_form": TransferForm(initial=_transfer_initial()) if suspense else None,
        "can_transfer": request.user.has_perm(TRANSFER_PERMISSION),
        "refused": refused or {},
    }
    status = 422 if refused else 200
    return render(request, "payments/upload_exceptions.html", context, status=status)


def _exception(request: HttpRequest, pk: int) -> UploadException:
    exc = upload_exception_get(user=request.user, pk=pk)
    if exc is None:
        raise Http404("No such upload exception")
    return exc


def _detail(request, exc: UploadException, *, form=None, recheck=None, error="", status=200):
    line = exc.payment_staging
    open_line = exc.resolved_at is None and line is not None
    open_line = open_line and line.status == StagingStatus.ERROR
    can_fix = request.user.has_perm(FIX_PERMISSION)
    if open_line and form is None:
        form = CorrectionForm(initial=_correction_initial(line), user=request.user)
    record = line or exc.tender_staging or exc.deposit_staging
    open_group = exc.resolved_at is None and line is None
    open_group = open_group and record.status == StagingStatus.ERROR
    if open_group and recheck is None:
        recheck = RecheckForm()
    context = {
        "exc": exc,
        "line": line,
        "record": record,
        "upload": _upload_of(exc),
        "form": form if open_line and can_fix else None,
        "recheck": recheck if open_group and can_fix else None,
        "error": error,
        "changes": staging_changes(record) + staging_changes(exc),
    }
    return render(request, "payments/upload_exception.html", context, status=status)


def _upload_of(exc: UploadException):
    if exc.payment_staging_id:
        return exc.payment_staging.tender_staging.deposit_staging.upload_file
    if exc.tender_staging_id:
        return exc.tender_staging.deposit_staging.upload_file
    return exc.deposit_staging.upload_file


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def exception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _exception(request, pk))


@require_POST
@login_required
@permission_required(FIX_PERMISSION, raise_exception=True)
def exception_correct(request: HttpRequest, pk: int) -> HttpResponse:
    exc = _exception(request, pk)
    form = CorrectionForm(request.POST, user=request.user)
    if not form.is_valid():
        return _detail(request, exc, form=form, status=422)
    data = form.cleaned_data
    try:
        line = upload_exception_correct(
            exception=exc,
            correction=Correction(
                account=data["account_number"],
                amount=data["amount"],
                accounting_date=data["accounting_date"],
                comment=data["comment"],
            ),
            user=request.user,
        )
    except (PaymentError, ValidationError) as e:
        return _detail(request, _exception(request, pk), form=form, error=_sentence(e), status=422)
    messages.success(
        request,
        f"Line {line.line_number} of {_upload_of(exc).name} corrected and set Pending: the "
        "next payment upload run posts it.",
    )
    return redirect(reverse("payacp:upload-exceptions"))


@require_POST
@login_required
@permission_required(FIX_PERMISSION, raise_exception=True)
def exception_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    exc = _exception(request, pk)
    form = RecheckForm(request.POST)
    if not form.is_valid():
        return _detail(request, exc, recheck=form, status=422)
    try:
        record = upload_exception_recheck(
            exception=exc, user=request.user, comment=form.cleaned_data["comment"]
        )
    except (PaymentError, ValidationError) as e:
        return _detail(
            request, _exception(request, pk), recheck=form, error=_sentence(e), status=422
        )
    messages.success(request, f"{record} set Pending: the next payment upload run checks it.")
    return redirect(reverse("payacp:upload-exceptions"))


def _transfer_initial() -> dict:
    reason = PaymentCancelReason.objects.filter(code="TRANSFER").first()
    return {"reason": reason.pk if reason else None}


@require_POST
@login_required
@permission_required(FIX_PERMISSION, raise_exception=True)
def suspense_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(TRANSFER_PERMISSION):
        raise PermissionDenied
    line = suspense_line_get(pk=pk)
    if line is None:
        raise Http404("No such payment in suspense")
    form = TransferForm(request.POST)
    back = reverse("payacp:upload-exceptions") + "?view=suspense"

    def refuse(error: str) -> HttpResponse:
        typed = {k: request.POST.get(k, "") for k in ("account_number", "reason", "comment")}
        listing = FilterForm({"view": ExceptionView.SUSPENSE})
        return _screen(request, listing, refused={"pk": line.pk, "error": error, **typed})

    if not form.is_valid():
        return refuse(_form_sentence(form))
    data = form.cleaned_data
    number = data["account_number"].strip()
    account = account_for_correction(user=request.user, number=number)
    if account is None:
        return refuse(f"There is no account {number}.")
    try:
        payment = suspense_payment_transfer(
            line=line,
            account=account,
            reason=data["reason"],
            comment=data["comment"],
            user=request.user,
        )
    except (PaymentError, ValidationError) as e:
        return refuse(_sentence(e))
    messages.success(
        request,
        f"Payment of {money_format(payment.amount)} (line {line.line_number}, file reference "
        f"{line.account_reference or '—'}) transferred from suspense to {account.number}.",
    )
    return redirect(back)


def _form_sentence(form: forms.Form) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".lstrip(": ")
        for name, errors in form.errors.items()
    )
