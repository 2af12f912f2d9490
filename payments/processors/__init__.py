"""Card processors behind one interface (DESIGN §7): tokenising through the processor's
hosted form and charging a token. OpenCIS never sees or stores a card number; it keeps the
processor's token and what a customer recognises the card by (brand, last four, expiry).

`card_processor(code)` returns the configured adapter; `OPENCIS_CARD_PROCESSORS` maps codes
to classes (default: the built-in sandbox only). Real processors plug in behind the same
interface, their secrets read from the environment by their own class.
"""

from .base import CardDetails, CardProcessor, ChargeResult, InvalidCardToken, card_processor

__all__ = ["CardDetails", "CardProcessor", "ChargeResult", "InvalidCardToken", "card_processor"]
