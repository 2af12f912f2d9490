"""The reports' filter forms. Every field is optional; an unbound form means the defaults."""

import datetime as dt

from django import forms
from django.utils import timezone

from accounts.models import Account, RevenueClass
from delinquency.models import PenaltyDecision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoPenalty:
    """The No Penalty filter of the Non-Zero Balance and account grid reports (the flag)."""

    ALL, ONLY, EXCLUDE = "all", "only", "exclude"
    CHOICES = [(ALL, "All accounts"), (ONLY, "Only No Penalty"), (EXCLUDE, "Exclude No Penalty")]


class NoPenaltyOption:
    """The Credit Attributes report's No Penalty options group (seed 000)."""

    ALL, SET, ACTIVE, EXPIRED = "all", "set", "active", "expired"
    CHOICES = [
        (ALL, "All accounts"),
        (SET, "No Penalty set"),
        (ACTIVE, "No Penalty active on the date"),
        (EXPIRED, "No Penalty expired by the date"),
    ]


def _revenue_class():
    return forms.ModelChoiceField(
        queryset=RevenueClass.objects.all(), required=False, empty_label="Any revenue class"
    )


class ReportForm(forms.Form):
    def values(self) -> dict:
        """The cleaned data, or the defaults when the form is unbound or invalid."""
        data = dict(self.cleaned_data) if self.is_bound and self.is_valid() else {}
        for name, field in self.fields.items():
            if data.get(name) in (None, "") and field.initial is not None:
                data[name] = field.initial() if callable(field.initial) else field.initial
        return data


class NonZeroBalanceForm(ReportForm):
    revenue_class = _revenue_class()
    min_balance = forms.DecimalField(required=False, decimal_places=2, label="Balance from")
    max_balance = forms.DecimalField(required=False, decimal_places=2, label="Balance to")
    no_penalty = forms.ChoiceField(
        choices=NoPenalty.CHOICES, initial=NoPenalty.ALL, required=False, label="No Penalty"
    )

    def clean(self):
        data = super().clean()
        low, high = data.get("min_balance"), data.get("max_balance")
        if low is not None and high is not None and low > high:
            self.add_error("max_balance", "The upper bound is below the lower bound.")
        return data


class CreditAttributesForm(ReportForm):
    on = forms.DateField(required=False, label="As of", widget=DATE, initial=timezone.localdate)
    no_penalty = forms.ChoiceField(
        choices=NoPenaltyOption.CHOICES,
        initial=NoPenaltyOption.ALL,
        required=False,
        widget=forms.RadioSelect,
        label="No Penalty options",
    )
    revenue_class = _revenue_class()
    cash_only = forms.BooleanField(required=False, label="Cash only accounts only")
    max_rating = forms.IntegerField(required=False, label="Credit rating at most")


class AccountGridForm(ReportForm):
    revenue_class = _revenue_class()
    activity_status = forms.ChoiceField(
        choices=[("", "Any status"), *Account.ActivityStatus.choices],
        required=False,
        label="Status",
    )
    service_status = forms.ChoiceField(
        choices=[("", "Any service status"), *Account.ServiceStatus.choices],
        required=False,
        label="Service",
    )
    no_penalty = forms.ChoiceField(
        choices=NoPenalty.CHOICES, initial=NoPenalty.ALL, required=False, label="No Penalty"
    )
    nonzero = forms.BooleanField(required=False, label="Balance not zero")


class AgingForm(ReportForm):
    on = forms.DateField(required=False, label="As of", widget=DATE, initial=timezone.localdate)
    revenue_class = _revenue_class()


class ShutoffForm(ReportForm):
    ELIGIBLE = [("", "Eligible or not"), ("yes", "Eligible"), ("no", "Not eligible")]

    on = forms.DateField(required=False, label="Evaluated on", widget=DATE)
    eligible = forms.ChoiceField(choices=ELIGIBLE, required=False, label="Eligible")
    revenue_class = _revenue_class()


def _month_start():
    return timezone.localdate().replace(day=1)


class PenaltyForm(ReportForm):
    date_from = forms.DateField(required=False, label="From", widget=DATE, initial=_month_start)
    date_to = forms.DateField(required=False, label="To", widget=DATE, initial=timezone.localdate)
    outcome = forms.ChoiceField(
        choices=[("", "Charged or skipped"), *PenaltyDecision.Outcome.choices], required=False
    )
    reason = forms.ChoiceField(
        choices=[("", "Any reason"), *PenaltyDecision.Reason.choices], required=False
    )
    revenue_class = _revenue_class()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        if start and end and (end - start) > dt.timedelta(days=366):
            self.add_error("date_to", "At most a year at a time.")
        return data


class WriteOffForm(ReportForm):
    REFERRED = [("", "Referred or not"), ("yes", "Referred to collections"), ("no", "Not referred")]

    date_from = forms.DateField(required=False, label="Written off from", widget=DATE)
    date_to = forms.DateField(required=False, label="To", widget=DATE)
    referred = forms.ChoiceField(choices=REFERRED, required=False, label="Collections")
    revenue_class = _revenue_class()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data
