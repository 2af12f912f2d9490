"""Forms of the Payments tab (issue 4 item 9). They only parse input: the services decide
whether a payment is accepted and raise the messages the CSR sees."""

from decimal import Decimal

from django import forms

from accounts.acp.forms import CodeChoiceField
from cis.validators import no_card_number

from .models import PaymentCancelReason, ReceiptPrint, TenderCategory, TenderType
from .services.events import DistributionMode

MONEY = {"max_digits": 14, "decimal_places": 2}


def _tender_types():
    return TenderType.objects.order_by("code")


class TenderFieldsMixin(forms.Form):
    """Check number for checks and money orders, last four digits and processor token
    for cards (seed 003 step 1.5); the others leave them blank."""

    def clean(self):
        data = super().clean()
        kind = data.get("tender_type")
        if (
            kind is not None
            and kind.category == TenderCategory.CHECK
            and not data.get("check_number")
        ):
            self.add_error("check_number", "Enter the check number.")
        if kind is not None and kind.category == TenderCategory.CARD:
            last4 = data.get("last4", "")
            if not (len(last4) == 4 and last4.isdigit()):
                self.add_error("last4", "Enter the card's last four digits.")
        return data


class QuickPayForm(TenderFieldsMixin):
    amount = forms.DecimalField(min_value=Decimal("0.01"), **MONEY)
    tender_type = CodeChoiceField(queryset=TenderType.objects.none())
    check_number = forms.CharField(max_length=20, required=False, label="Check number")
    last4 = forms.CharField(max_length=4, required=False, label="Card last 4")
    processor_token = forms.CharField(max_length=80, required=False, label="Card token")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender_type"].queryset = _tender_types()


class TenderRowForm(TenderFieldsMixin):
    tender_type = CodeChoiceField(queryset=TenderType.objects.none(), required=False)
    amount = forms.DecimalField(min_value=Decimal("0.01"), required=False, **MONEY)
    check_number = forms.CharField(max_length=20, required=False, label="Check number")
    last4 = forms.CharField(max_length=4, required=False, label="Card last 4")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender_type"].queryset = _tender_types()

    def clean(self):
        data = super().clean()
        if data.get("tender_type") and data.get("amount") is None:
            self.add_error("amount", "Enter the tender's amount.")
        return data


class PayeeRowForm(forms.Form):
    account_number = forms.CharField(max_length=20, required=False, label="Account")
    amount = forms.DecimalField(min_value=Decimal("0.01"), required=False, **MONEY)

    def clean(self):
        data = super().clean()
        if data.get("account_number") and data.get("amount") is None:
            self.add_error("amount", "Enter the amount for this account.")
        return data


TenderFormSet = forms.formset_factory(TenderRowForm, extra=3, max_num=6)
PayeeFormSet = forms.formset_factory(PayeeRowForm, extra=3, max_num=6)


class EventForm(forms.Form):
    mode = forms.ChoiceField(
        choices=DistributionMode.choices,
        initial=DistributionMode.DISTRIBUTE_AND_FREEZE,
        widget=forms.RadioSelect,
        label="Distribution",
    )
    comments = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, sas=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Manual distribution: one amount per SA of the open account (seed 003 step 2.0).
        self.sas = list(sas)
        for sa in self.sas:
            self.fields[f"sa_{sa.pk}"] = forms.DecimalField(
                required=False, min_value=Decimal("0"), label=sa.sa_type.description, **MONEY
            )

    def sa_fields(self):
        return [self[f"sa_{sa.pk}"] for sa in self.sas]

    def sa_amounts(self) -> dict:
        return {
            sa: self.cleaned_data[f"sa_{sa.pk}"]
            for sa in self.sas
            if self.cleaned_data.get(f"sa_{sa.pk}")
        }


def _reasons(*, nsf: bool):
    return PaymentCancelReason.objects.filter(is_nsf=nsf).order_by("code")


class ReasonForm(forms.Form):
    """Reverse a payment (non-NSF reasons) or return its tender (NSF reasons)."""

    reason = CodeChoiceField(queryset=PaymentCancelReason.objects.none())
    # the cancel services store the comment as given: the form keeps card numbers out
    comment = forms.CharField(max_length=200, required=False, validators=[no_card_number])

    def __init__(self, *args, nsf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = _reasons(nsf=nsf)


class ReturnForm(ReasonForm):
    represent = forms.BooleanField(required=False, label="Present the item again")
    represent_date = forms.DateField(
        required=False,
        label="Re-presentment date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, nsf=True, **kwargs)


class TransferForm(ReasonForm):
    account_number = forms.CharField(max_length=20, label="To account")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, nsf=False, **kwargs)


class ReceiptForm(forms.Form):
    layout = forms.ChoiceField(choices=ReceiptPrint.Format.choices, label="Receipt")
