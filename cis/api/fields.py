"""Input fields every API app shares, so one rule holds for every money field, business
date, free text and lookup (issue 7 items 14, 15, 21, 22).

- `MoneyField`: plain decimal strings ("1234.56", ASCII digits, optional minus sign) or
  plain JSON numbers, at most `OPENCIS_MAX_AMOUNT` either way; "1_000", "1e3", Arabic-Indic
  digits, NaN and Infinity are refused.
- `BusinessDateField`: an ISO date (ASCII digits) within the window around today set by
  `OPENCIS_DATE_WINDOW_DAYS_PAST` / `OPENCIS_DATE_WINDOW_DAYS_FUTURE`.
- `FreeTextField`: bounded text, never a card number (NUL bytes are refused by DRF).
- `LookupField`: a slug lookup (account number, code) that answers 400 for a NUL byte
  instead of sending it to PostgreSQL.
"""

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cis.codetables import code_table_cached
from cis.money import PLAIN_DECIMAL_MESSAGE, is_plain_decimal, max_amount
from cis.validators import no_card_number

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
NUL_MESSAGE = "Null characters are not allowed."


def date_window() -> tuple[dt.date, dt.date]:
    """The dates a payment, accounting or bill date may take, around today."""
    today = timezone.localdate()
    past = getattr(settings, "OPENCIS_DATE_WINDOW_DAYS_PAST", 366 * 2)
    future = getattr(settings, "OPENCIS_DATE_WINDOW_DAYS_FUTURE", 366)
    return today - dt.timedelta(days=past), today + dt.timedelta(days=future)


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": r"^-?[0-9]{1,7}(\.[0-9]{1,2})?$",
        "example": "70.00",
        "description": "A plain decimal (ASCII digits, optional minus sign, up to two "
        "decimals), at most OPENCIS_MAX_AMOUNT (default 9999999.99) in absolute value.",
    }
)
class MoneyField(serializers.DecimalField):
    """An amount in dollars and cents (NUMERIC(14,2)), as a plain decimal."""

    default_error_messages = {
        "plain": PLAIN_DECIMAL_MESSAGE,
        "max_amount": "Ensure the amount is at most {limit} in absolute value.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float | Decimal):
            self.fail("plain")
        text = repr(data) if isinstance(data, float) else str(data)
        if not is_plain_decimal(text):
            self.fail("plain")
        value = super().to_internal_value(text)
        limit = max_amount()
        if abs(value) > limit:
            self.fail("max_amount", limit=limit)
        return value


@extend_schema_field({"type": "string", "format": "date", "example": "2026-01-15"})
class BusinessDateField(serializers.DateField):
    """A payment, accounting or bill date: ISO 8601, within the business date window."""

    default_error_messages = {
        "window": "Enter a date from {earliest} to {latest} (the business date window).",
    }

    def to_internal_value(self, value):
        if isinstance(value, str) and not _ISO_DATE.match(value):
            self.fail("invalid", format="YYYY-MM-DD")
        result = super().to_internal_value(value)
        earliest, latest = date_window()
        if not earliest <= result <= latest:
            self.fail("window", earliest=earliest.isoformat(), latest=latest.isoformat())
        return result


class FreeTextField(serializers.CharField):
    """Comments, references and reasons: bounded, and never a card number."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.validators.append(no_card_number)


class LookupField(serializers.SlugRelatedField):
    """A lookup by slug (account number, configuration code) that refuses NUL bytes,
    which PostgreSQL can't compare (a DataError, formerly a 500)."""

    default_error_messages = {"null_characters": NUL_MESSAGE}

    def __init__(self, *, cached: str = "", **kwargs):
        # cached: a name for the field's queryset (the same rows for every request, e.g.
        # "active" codes): looked up in the per-process cache of code tables
        self.cached = cached
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        if self.cached and isinstance(data, str):
            queryset = self.get_queryset()
            rows = code_table_cached(
                ("lookup", queryset.model._meta.label, self.slug_field, self.cached),
                [queryset.model],
                lambda: {getattr(row, self.slug_field): row for row in queryset},
            )
            if data not in rows:
                self.fail("does_not_exist", slug_name=self.slug_field, value=data)
            return rows[data]
        return super().to_internal_value(data)
