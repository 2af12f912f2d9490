"""Money: Decimal and NUMERIC(14,2) only. One field factory, one rounding rule."""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
DEFAULT_MAX_AMOUNT = Decimal("9999999.99")

# The one input rule for amounts, in the API (cis.api.fields.MoneyField) and the panel's
# forms (cis.forms.MoneyFormField): ASCII digits, an optional minus sign and decimal
# point; never "1_000", "1e3", "1,000" or Arabic-Indic digits (issue 7 item 14, issue 8
# item 3).
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")
PLAIN_DECIMAL_MESSAGE = (
    "Enter a plain decimal number such as 1234.56 (digits 0-9, an optional minus sign and "
    "decimal point; no exponent, grouping or other digits)."
)


def is_plain_decimal(text: str) -> bool:
    """True for "1234.56", "-5", "70"; False for "1e3", "1_000", "1,000", "١٢٣"."""
    return isinstance(text, str) and bool(_PLAIN_DECIMAL.match(text))


def money_field(**kwargs) -> models.DecimalField:
    """A NUMERIC(14,2) column; every amount in OpenCIS is one of these."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(**kwargs)


def quantize(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up (the rule utilities print on bills)."""
    if isinstance(value, float):
        raise TypeError("money must never be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def cents(value: Decimal) -> int:
    """Whole cents, for files that carry amounts as integers (NACHA, BAI2)."""
    return int(quantize(value) * 100)


def from_cents(value: int) -> Decimal:
    return quantize(Decimal(value) / 100)


def max_amount() -> Decimal:
    """The largest amount one payment, tender, adjustment or bill segment may carry
    (`OPENCIS_MAX_AMOUNT`); the ledger itself holds up to 999,999,999,999.99."""
    return Decimal(str(getattr(settings, "OPENCIS_MAX_AMOUNT", DEFAULT_MAX_AMOUNT)))


def money_format(value: Decimal | int | str | None) -> str:
    """Money as people read it, everywhere (issue 8 items 3 and 5): `$1,000,000,000.00`,
    negative `-$1,999.00`; rounded half up to cents; blank for None. Never `1E+9`."""
    if value is None or value == "":
        return ""
    amount = quantize(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
