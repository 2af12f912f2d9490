"""The New Payment Arrangement Wizard's forms (seed 004, Setup and Confirmation) and the
tab's Delete form."""

from decimal import Decimal

from django import forms

from cis.money import max_amount, money_format

from ..models import Arrangement
from ..services.arrangements import MAX_INSTALLMENTS

FREQUENCIES = [
    (Arrangement.Frequency.WEEKLY, "Weekly"),
    (Arrangement.Frequency.BIWEEKLY, "Every two weeks"),
    (Arrangement.Frequency.MONTHLY, "Monthly"),
]


class ServiceChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, sa) -> str:
        return f"{sa.sa_type.description} — balance {money_format(sa.balance)}"


class SetupForm(forms.Form):
    """Setup: description, services, arrangement amount, number of payments, due with
    regular billing or a frequency and start date. The rules are the service's
    (`arrangement_plan`); the view puts its refusal on the form."""

    description = forms.CharField(
        max_length=120,
        required=False,
        help_text="Shown in the summary grid and the reports.",
    )
    sas = ServiceChoice(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label="Services",
        error_messages={"required": "Choose at least one service."},
    )
    amount = forms.DecimalField(
        label="Arrangement amount",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    installments_count = forms.IntegerField(
        label="No. of payments", min_value=1, max_value=MAX_INSTALLMENTS, initial=3
    )
    with_billing = forms.BooleanField(
        label="Due with regular billing", required=False, initial=True
    )
    frequency = forms.ChoiceField(choices=FREQUENCIES, required=False, initial="monthly")
    start_on = forms.DateField(
        label="Start date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The first payment's due date (not with regular billing).",
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sas"].queryset = services

    def clean_amount(self):
        value = self.cleaned_data["amount"]
        if value > max_amount():
            raise forms.ValidationError(f"Enter an amount of at most {money_format(max_amount())}.")
        return value

    def clean(self):
        data = super().clean()
        if not data.get("with_billing"):
            if not data.get("frequency"):
                self.add_error("frequency", "Choose a frequency.")
            if not data.get("start_on") and "start_on" not in self.errors:
                self.add_error("start_on", "Enter the start date.")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        billing = data["with_billing"]
        return {
            "sas": list(data["sas"]),
            "amount": data["amount"],
            "installments_count": data["installments_count"],
            "frequency": Arrangement.Frequency.WITH_BILLING if billing else data["frequency"],
            "start_on": None if billing else data["start_on"],
            "description": data["description"],
        }


class ConfirmForm(forms.Form):
    confirmed = forms.BooleanField(
        label="I have reviewed the information and it is correct.",
        error_messages={"required": "Tick the box to confirm the arrangement."},
    )


class DeleteForm(forms.Form):
    reason = forms.CharField(max_length=150, label="Reason")
