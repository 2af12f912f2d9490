"""The sandbox card processor: documented test cards and tokens behave as documented."""

import datetime as dt
from decimal import Decimal as D

import pytest

from payments.processors import InvalidCardToken, card_processor
from payments.processors.sandbox import sandbox_tokenize


def test_test_cards_tokenise_to_documented_outcomes_and_the_number_is_not_in_the_token():
    token = sandbox_tokenize(number="4242 4242 4242 4242", exp_month=12, exp_year=2030)
    assert token == "sbx_approve_visa_4242_1230"
    assert "42424242" not in token
    assert sandbox_tokenize(number="4000000000000002", exp_month=1, exp_year=2031).startswith(
        "sbx_decline_visa_0002"
    )


@pytest.mark.parametrize("number", ["4242424242424241", "1234", "4111111111111111"])
def test_bad_or_foreign_card_numbers_are_refused(number):
    with pytest.raises(ValueError):
        sandbox_tokenize(number=number, exp_month=12, exp_year=2030)


def test_charge_outcomes_follow_the_token_and_repeat_with_the_same_transaction_id():
    sandbox = card_processor("sandbox")
    ok = sandbox.charge(
        token="sbx_approve_visa_4242_1230", amount=D("10.00"), reference="A1", idempotency_key="k1"
    )
    again = sandbox.charge(
        token="sbx_approve_visa_4242_1230", amount=D("10.00"), reference="A1", idempotency_key="k1"
    )
    assert ok.approved and ok.transaction_id == again.transaction_id
    declined = sandbox.charge(
        token="sbx_decline_visa_0002_1230", amount=D("10.00"), reference="A1", idempotency_key="k2"
    )
    assert (declined.approved, declined.code) == (False, "declined")
    expired = sandbox.charge(
        token="sbx_approve_visa_4242_0120", amount=D("10.00"), reference="A1", idempotency_key="k3"
    )
    assert (expired.approved, expired.code) == (False, "expired")


def test_token_details_and_unknown_tokens():
    details = card_processor("sandbox").token_details("sbx_approve_mastercard_4444_0227")
    assert (details.brand, details.last4, details.expires_on) == (
        "Mastercard",
        "4444",
        dt.date(2027, 2, 28),
    )
    with pytest.raises(InvalidCardToken):
        card_processor("sandbox").token_details("sbx_approve_visa_4242_1330")
    with pytest.raises(InvalidCardToken):
        card_processor("nope")
