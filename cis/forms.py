"""Form fields every app's panel forms share, so the panel takes amounts by the same rule
as the API (cis.api.fields.MoneyField; issue 8 item 3)."""

from django import forms
from django.core.exceptions import ValidationError

from .api.fields import date_window
from .money import PLAIN_DECIMAL_MESSAGE, is_plain_decimal, max_amount, money_format


class MoneyFormField(forms.DecimalField):
    """An amount in dollars and cents typed by a person: a plain decimal ("1234.56"), at
    most `OPENCIS_MAX_AMOUNT` in absolute value. "1e9", "1_000", "1,000" and other
    scripts' digits are refused with a sentence saying what to type. A text input with a
    decimal keypad, so the browser sends exactly what was typed (a number input would turn
    "1e9" into a valid number)."""

    default_error_messages = {"plain": PLAIN_DECIMAL_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        # no step/min/max: those belong to number inputs
        return {} if isinstance(widget, forms.TextInput) else super().widget_attrs(widget)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not is_plain_decimal(text):
            raise ValidationError(self.error_messages["plain"], code="plain")
        return super().to_python(text)

    def validate(self, value):
        super().validate(value)
        limit = max_amount()
        if value is not None and abs(value) > limit:
            raise ValidationError(
                f"{money_format(value)} is more than the largest amount one payment, tender "
                f"or adjustment may carry ({money_format(limit)}). Check the amount.",
                code="max_amount",
            )


class BusinessDateFormField(forms.DateField):
    """A payment or accounting date typed by a person: within the business date window the
    API's `BusinessDateField` holds (`OPENCIS_DATE_WINDOW_DAYS_PAST` / `_FUTURE`), with
    the same message."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        earliest, latest = date_window()
        if not earliest <= value <= latest:
            raise ValidationError(
                f"Enter a date from {earliest.isoformat()} to {latest.isoformat()} (the "
                "business date window).",
                code="window",
            )
