"""The Auto Payment sub-tab's forms: they parse and present; the rules live in
autopay/services/enrollment.py (the service's messages land next to the fields)."""

from django import forms
from django.core.exceptions import ValidationError

from cis.api.fields import date_window
from cis.forms import MoneyFormField

from .models import Enrollment


def _in_window(value):
    if value is None:
        return value
    first, last = date_window()
    if not first <= value <= last:
        raise ValidationError(f"Enter a date between {first:%m/%d/%Y} and {last:%m/%d/%Y}.")
    return value


class _Dates(forms.Form):
    amount_option = forms.ChoiceField(
        label="Special options", choices=Enrollment.AmountOption.choices
    )
    amount = MoneyFormField(
        label="Amount",
        required=False,
        help_text="The most to draft (Maximum amount) or what to draft (Fixed amount).",
    )
    notify_in_advance = forms.BooleanField(label="Notify in advance", required=False)
    start_on = forms.DateField(label="Start date", widget=forms.DateInput(attrs={"type": "date"}))
    end_on = forms.DateField(
        label="End date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_start_on(self):
        return _in_window(self.cleaned_data.get("start_on"))


class EnrollForm(_Dates):
    kind = forms.ChoiceField(
        label="Auto-pay type",
        choices=Enrollment.Kind.choices,
        widget=forms.RadioSelect,
        initial=Enrollment.Kind.DRAFT,
    )
    bank_account_type = forms.ChoiceField(
        label="Account type",
        required=False,
        choices=[("", "—"), *Enrollment.BankAccountType.choices],
    )
    routing_number = forms.CharField(
        label="Bank routing no.",
        required=False,
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "list": "autopay-banks"}),
    )
    bank_account_number = forms.CharField(
        label="Account no.",
        required=False,
        max_length=20,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    card_token = forms.CharField(
        label="Payment token",
        required=False,
        max_length=120,
        help_text="Made by the processor's hosted payment form; a card number never is.",
        widget=forms.TextInput(attrs={"readonly": "readonly"}),
    )
    field_order = [
        "kind",
        "notify_in_advance",
        "bank_account_type",
        "routing_number",
        "bank_account_number",
        "card_token",
        "amount_option",
        "amount",
        "start_on",
        "end_on",
    ]


class ChangeForm(_Dates):
    """Amount, dates and notice; a new bank account number replaces the old one when typed."""

    bank_account_number = forms.CharField(
        label="New account no.",
        required=False,
        max_length=20,
        help_text="Leave empty to keep the number on file.",
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class StopForm(forms.Form):
    stop_reason = forms.ChoiceField(label="Why", choices=Enrollment.StopReason.choices)
    stop_comment = forms.CharField(label="Comment", required=False, max_length=200)


class RevealForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
