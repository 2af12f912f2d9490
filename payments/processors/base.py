"""The card processor interface and its registry."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_PROCESSORS = {"sandbox": "payments.processors.sandbox.SandboxProcessor"}


class InvalidCardToken(ValueError):
    """The processor does not know the token (or it is malformed); the message is safe to
    show a CSR."""


@dataclass(frozen=True)
class CardDetails:
    brand: str
    last4: str
    expires_on: dt.date  # last day of the expiry month


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    transaction_id: str = ""
    # "approved", "declined", "expired" or the processor's own code
    code: str = "approved"
    message: str = ""


class CardProcessor:
    """What every adapter offers. `charge` must be idempotent on `idempotency_key`: a repeat
    answers the original result and charges nothing more."""

    code = ""
    name = ""

    def token_details(self, token: str) -> CardDetails:
        raise NotImplementedError

    def charge(
        self, *, token: str, amount: Decimal, reference: str, idempotency_key: str
    ) -> ChargeResult:
        raise NotImplementedError

    def hosted_form_url(self, *, return_url: str, reference: str) -> str:
        raise NotImplementedError


@cache
def _load(code: str, path: str) -> CardProcessor:
    return import_string(path)()


def card_processor(code: str) -> CardProcessor:
    processors = getattr(settings, "OPENCIS_CARD_PROCESSORS", None) or DEFAULT_PROCESSORS
    if code not in processors:
        raise InvalidCardToken(f"Unknown card processor {code!r}.")
    return _load(code, processors[code])


def processor_choices() -> list[tuple[str, str]]:
    processors = getattr(settings, "OPENCIS_CARD_PROCESSORS", None) or DEFAULT_PROCESSORS
    return [(code, card_processor(code).name or code) for code in processors]
