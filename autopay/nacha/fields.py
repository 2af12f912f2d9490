"""Field formatting shared by the writer and the reader.

NACHA records are fixed-width ASCII: alphanumeric fields are left-justified and
space-filled, numeric fields right-justified and zero-filled. Only the printable ASCII
range 0x20-0x7E may appear. We write alphanumeric fields in upper case (what banks expect)
and transliterate accented Latin letters (JOSÉ -> JOSE); anything else outside the range
is refused with the field named, never silently dropped.
"""

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

from stdnum.exceptions import ValidationError
from stdnum.us import rtn

from .errors import NachaFieldError

RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
FILLER_RECORD = "9" * RECORD_LENGTH
MAX_AMOUNT_CENTS = 9_999_999_999  # ten digits in entry detail records
# Combining diacritical marks, which NFKD splits off accented Latin letters.
_COMBINING = re.compile("[\u0300-\u036f]")


def alpha(
    value: str, length: int, field: str, *, truncate: bool = False, required: bool = False
) -> str:
    """Upper-case, sanitised, left-justified, space-padded to `length`; a `required`
    field may not be blank (the standard's mandatory fields)."""
    if not value:
        if required:
            raise NachaFieldError(field, "is required and may not be blank")
        return " " * length
    if value.isascii() and value.isprintable():
        text = value.upper()
    else:
        text = _transliterate(value, field).upper()
    if len(text) > length:
        if not truncate:
            raise NachaFieldError(field, f"{value!r} is longer than {length} characters")
        text = text[:length]
    if required and text.isspace():
        raise NachaFieldError(field, "is required and may not be blank")
    return text.ljust(length)


def numeric(value: int, length: int, field: str) -> str:
    """Right-justified, zero-filled; refuses negatives and values that do not fit."""
    if value < 0:
        raise NachaFieldError(field, f"{value} is negative")
    text = str(value)
    if len(text) > length:
        raise NachaFieldError(field, f"{value} does not fit in {length} digits")
    return text.zfill(length)


def digits(value: str, length: int, field: str) -> str:
    """A string of exactly `length` ASCII digits (identifiers, which keep leading zeros)."""
    if len(value) != length or not (value.isascii() and value.isdigit()):
        raise NachaFieldError(field, f"{value!r} is not {length} digits")
    return value


def amount_cents(amount: Decimal, field: str = "amount") -> int:
    """Whole cents from a Decimal (never a float); at most two decimals, ten digits."""
    if not isinstance(amount, Decimal):
        raise NachaFieldError(field, f"{amount!r} is not a Decimal")
    if not amount.is_finite():
        raise NachaFieldError(field, f"{amount} is not a number")
    numerator, denominator = amount.as_integer_ratio()
    if 100 % denominator:
        raise NachaFieldError(field, f"{amount} has fractions of a cent")
    cents = numerator * (100 // denominator)
    if cents < 0:
        raise NachaFieldError(field, f"{amount} is negative")
    if cents > MAX_AMOUNT_CENTS:
        raise NachaFieldError(field, f"{amount} does not fit the 10-digit amount field")
    return cents


def routing(value: str, field: str = "routing number") -> str:
    """A valid 9-digit ABA routing number (check digit verified by python-stdnum)."""
    problem = _routing_problem(value)
    if problem:
        raise NachaFieldError(field, problem)
    return value


@lru_cache(maxsize=65536)
def rdfi_id(value: str) -> int:
    """The 8-digit receiving DFI id of a valid routing number, as the entry hash adds it
    (cached: a night's file has far fewer banks than entries)."""
    return int(routing(value)[:8])


@lru_cache(maxsize=65536)
def _routing_problem(value: str) -> str | None:
    if not (len(value) == 9 and value.isascii() and value.isdigit()):
        return f"{value!r} is not a 9-digit ABA routing number"
    try:
        rtn.validate(value)
    except ValidationError:
        return f"{value!r} fails the ABA check digit"
    return None


def dfi_account(value: str, field: str = "account number") -> str:
    """A bank account number: 1-17 letters, digits or hyphens, left-justified."""
    text = value.strip().upper()
    if 0 < len(text) <= 17 and text.isascii() and text.replace("-", "").isalnum():
        return text.ljust(17)
    if not text or len(text) > 17:
        raise NachaFieldError(field, f"{value!r} must be 1 to 17 characters")
    raise NachaFieldError(field, f"{value!r} may hold only letters, digits and hyphens")


def _transliterate(value: str, field: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    kept = _COMBINING.sub("", decomposed)
    if kept.isascii() and kept.isprintable():
        return kept
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    for char in kept:
        if not (" " <= char <= "~"):
            raise NachaFieldError(
                field,
                f"{value!r} holds {char!r} (U+{ord(char):04X}), which NACHA files cannot "
                "carry (printable ASCII only)",
            )
    return kept
