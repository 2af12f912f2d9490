"""The Service Orders tab's and control panel's forms (seed 004)."""

import datetime as dt

from django import forms

from .models import ServiceOrder, ServiceOrderClass, ServiceOrderType, TierStatus

# An effective date this far from today is a typing mistake, not a plan.
EFFECTIVE_WINDOW_DAYS = 366


class ServiceOrderForm(forms.Form):
    type = forms.ModelChoiceField(
        queryset=ServiceOrderType.objects.filter(is_active=True), label="Type"
    )
    order_class = forms.ModelChoiceField(
        queryset=ServiceOrderClass.objects.filter(is_active=True), required=False, label="Class"
    )
    tier_status = forms.ModelChoiceField(
        queryset=TierStatus.objects.filter(is_active=True), required=False, label="Tier status"
    )
    effective_date = forms.DateField(
        label="Effective date", widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, today: dt.date | None = None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or dt.date.today()
        if editing:  # an order's type is what it is; a different job is a new order
            del self.fields["type"]

    def clean_effective_date(self):
        value = self.cleaned_data["effective_date"]
        if abs((value - self.today).days) > EFFECTIVE_WINDOW_DAYS:
            raise forms.ValidationError("Enter an effective date within a year of today.")
        return value

    def clean_notes(self):
        return self.cleaned_data["notes"].strip()


# The tab's "Service order status" menu (serviceorders.selectors' `completion`).
STATUS_FILTERS = ("incomplete", "complete", "both")


class ControlPanelFilterForm(forms.Form):
    """Management > Service Order: which orders to list."""

    status = forms.ChoiceField(
        choices=[("", "Any status"), *ServiceOrder.Status.choices], required=False
    )
    type = forms.ModelChoiceField(
        queryset=ServiceOrderType.objects.all(), required=False, empty_label="Any type"
    )
    order_class = forms.ModelChoiceField(
        queryset=ServiceOrderClass.objects.all(),
        required=False,
        empty_label="Any class",
        label="Class",
    )
    tier_status = forms.ModelChoiceField(
        queryset=TierStatus.objects.all(), required=False, empty_label="Any tier status"
    )
    effective_from = forms.DateField(
        required=False, label="Effective from", widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        required=False, label="Effective to", widget=forms.DateInput(attrs={"type": "date"})
    )
    account = forms.CharField(required=False, max_length=20, label="Account number")

    def clean(self):
        data = super().clean()
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and start > end:
            self.add_error("effective_to", "The end date is before the start date.")
        return data
