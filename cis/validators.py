"""Validators shared by every app's models, forms and serializers."""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from stdnum import luhn

# Digits with at most one space or dash between them ("4111 1111-1111 1111"), and runs of
# bare digits inside them (a card number glued to a longer reference).
_SEPARATED_DIGITS = re.compile(r"[0-9](?:[ -]?[0-9])*")
_BARE_DIGITS = re.compile(r"[0-9]+")
CARD_DIGITS_MIN, CARD_DIGITS_MAX = 13, 19

CARD_NUMBER_MESSAGE = (
    "This looks like a card number (13-19 digits passing the Luhn check). Card numbers are "
    "never stored: keep only the processor's token and the last four digits."
)


def looks_like_card_number(value: str) -> bool:
    """True when `value` holds a run of 13-19 digits that passes the Luhn check, written
    together or grouped by spaces or dashes (DESIGN §8: no card numbers stored, ever)."""
    if not value:
        return False
    runs = [re.sub(r"[ -]", "", m) for m in _SEPARATED_DIGITS.findall(value)]
    runs += _BARE_DIGITS.findall(value)
    return any(
        CARD_DIGITS_MIN <= len(run) <= CARD_DIGITS_MAX and luhn.is_valid(run) for run in runs
    )


@deconstructible
class NoCardNumberValidator:
    """Refuses free text and references that contain a card number."""

    message = CARD_NUMBER_MESSAGE
    code = "card_number"

    def __call__(self, value) -> None:
        if isinstance(value, str) and looks_like_card_number(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, NoCardNumberValidator)

    def __hash__(self) -> int:
        return hash(self.code)


no_card_number = NoCardNumberValidator()
