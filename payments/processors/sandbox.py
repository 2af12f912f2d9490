"""The built-in sandbox processor: deterministic, offline, for `make run`, tests and demos.

Its hosted form (`/sandbox/card-form/`) takes a test card number and hands back a token;
the number is checked (Luhn) and dropped, never stored. A token reads
`sbx_<outcome>_<brand>_<last4>_<MMYY>`; the outcome is fixed by the test card:

    4242 4242 4242 4242   Visa        approves
    5555 5555 5555 4444   Mastercard  approves
    4000 0000 0000 0002   Visa        declines ("declined")
    4000 0000 0000 0069   Visa        declines as expired card ("expired")

Documented ready-made tokens: `sbx_approve_visa_4242_1230`, `sbx_decline_visa_0002_1230`,
`sbx_expired_visa_0069_1230`. Any token whose expiry month has passed is refused as
expired at charge time, whatever its outcome.
"""

import calendar
import datetime as dt
import hashlib
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from stdnum import luhn

from .base import CardDetails, CardProcessor, ChargeResult, InvalidCardToken

TEST_CARDS = {
    "4242424242424242": ("approve", "visa"),
    "5555555555554444": ("approve", "mastercard"),
    "4000000000000002": ("decline", "visa"),
    "4000000000000069": ("expired", "visa"),
}
_TOKEN = re.compile(
    r"^sbx_(approve|decline|expired)_(visa|mastercard)_([0-9]{4})_([0-9]{2})([0-9]{2})$"
)


def _month_end(month: int, year: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def sandbox_tokenize(*, number: str, exp_month: int, exp_year: int) -> str:
    """What the hosted form does with a card number: a token, or ValueError."""
    digits = re.sub(r"[ -]", "", number or "")
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn.is_valid(digits):
        raise ValueError("That is not a valid card number.")
    if digits not in TEST_CARDS:
        raise ValueError("The sandbox accepts only its test cards (see the list on this page).")
    if not 1 <= exp_month <= 12 or not 2000 <= exp_year <= 2099:
        raise ValueError("Enter the expiry as month and four-digit year.")
    outcome, brand = TEST_CARDS[digits]
    return f"sbx_{outcome}_{brand}_{digits[-4:]}_{exp_month:02d}{exp_year % 100:02d}"


class SandboxProcessor(CardProcessor):
    code = "sandbox"
    name = "Sandbox (test cards only)"

    def _parse(self, token: str):
        match = _TOKEN.match(token or "")
        if not match:
            raise InvalidCardToken("The sandbox processor does not know that card token.")
        outcome, brand, last4, month, year = match.groups()
        if not 1 <= int(month) <= 12:
            raise InvalidCardToken("The sandbox processor does not know that card token.")
        return outcome, brand, last4, _month_end(int(month), 2000 + int(year))

    def token_details(self, token: str) -> CardDetails:
        _, brand, last4, expires_on = self._parse(token)
        return CardDetails(brand=brand.title(), last4=last4, expires_on=expires_on)

    def charge(
        self, *, token: str, amount: Decimal, reference: str, idempotency_key: str
    ) -> ChargeResult:
        outcome, _, _, expires_on = self._parse(token)
        if amount <= 0:
            return ChargeResult(
                approved=False, code="invalid_amount", message="Amount must be positive."
            )
        if expires_on < timezone.localdate() or outcome == "expired":
            return ChargeResult(approved=False, code="expired", message="The card has expired.")
        if outcome == "decline":
            return ChargeResult(approved=False, code="declined", message="The card was declined.")
        digest = hashlib.sha256(f"{idempotency_key}|{token}|{amount}".encode()).hexdigest()
        return ChargeResult(approved=True, transaction_id=f"sbx_txn_{digest[:20]}")

    def hosted_form_url(self, *, return_url: str, reference: str) -> str:
        from urllib.parse import urlencode

        query = urlencode({"return": return_url, "ref": reference})
        return f"{reverse('payacp:sandbox-card-form')}?{query}"
