"""The shared API input fields (issue 7 items 14, 15, 21, 22): one rule for every money
field, business date, free text and lookup of every API app."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from cis.api.fields import BusinessDateField, FreeTextField, MoneyField
from cis.validators import looks_like_card_number


def _money(value):
    return MoneyField().run_validation(value)


@pytest.mark.parametrize("value", ["70.00", "-5.10", "0", "9999999.99", 70, Decimal("70.10")])
def test_plain_amounts_are_taken(value):
    """Integrators send amounts as plain decimal strings (or plain JSON numbers)."""
    assert _money(value) == Decimal(str(value))


@pytest.mark.parametrize(
    "value",
    [
        "1_000",
        "\u0661\u0660\u0660",
        "1e3",
        "1E3",
        Decimal("1E+3"),
        "NaN",
        "Infinity",
        " 70",
        "+5",
        "0x10",
        True,
        [],
        {},
        1e20,
    ],
)
def test_odd_amounts_are_refused(value):
    """Grouping underscores, exponents, non-ASCII digits and the like are never read as a
    different amount than the clerk typed: they are refused."""
    with pytest.raises(serializers.ValidationError) as exc:
        _money(value)
    assert exc.value.detail


def test_amounts_over_the_maximum_are_refused(settings):
    """No single payment, tender, adjustment or bill segment exceeds OPENCIS_MAX_AMOUNT,
    so the ledger's NUMERIC(14,2) balances can't be pushed over by one request."""
    with pytest.raises(serializers.ValidationError, match="at most 9999999.99"):
        _money("10000000.00")
    with pytest.raises(serializers.ValidationError):
        _money("999999999999.99")
    settings.OPENCIS_MAX_AMOUNT = Decimal("100.00")
    with pytest.raises(serializers.ValidationError, match="at most 100.00"):
        _money("-100.01")
    assert _money("100.00") == Decimal("100.00")


def test_dates_outside_the_business_window_are_refused(settings):
    """A bill dated 9999-12-31 or a payment of 1900-01-01 is a typing mistake."""
    field = BusinessDateField()
    today = timezone.localdate()
    assert field.run_validation(today.isoformat()) == today
    for value in ["9999-12-31", "1900-01-01", (today + dt.timedelta(days=367)).isoformat()]:
        with pytest.raises(serializers.ValidationError, match="business date window"):
            field.run_validation(value)
    settings.OPENCIS_DATE_WINDOW_DAYS_PAST = 5
    with pytest.raises(serializers.ValidationError):
        field.run_validation((today - dt.timedelta(days=6)).isoformat())


def test_dates_in_other_digits_are_refused():
    field = BusinessDateField()
    today = timezone.localdate().isoformat()
    arabic = today.translate(
        str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
    )
    with pytest.raises(serializers.ValidationError):
        field.run_validation(arabic)


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111",
        "card 4111 1111 1111 1111 exp 12/28",
        "4111-1111-1111-1111",
        "ref 12345 4012888888881881",  # glued to a longer reference
        "378282246310005",  # Amex, 15 digits
        "6011111111111117",
    ],
)
def test_card_numbers_are_recognised(text):
    assert looks_like_card_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1001",
        "4111111111111112",
        "tok_0000004111abcd",
        "call 217-555-0142",
        "12345678901234567890123",
    ],
)
def test_other_text_is_not_a_card_number(text):
    assert not looks_like_card_number(text)


def test_free_text_refuses_card_numbers_nul_and_length():
    field = FreeTextField(max_length=20)
    assert field.run_validation("check 1001") == "check 1001"
    for value in ["4111 1111 1111 1111", "a\x00b", "x" * 21]:
        with pytest.raises(serializers.ValidationError):
            field.run_validation(value)
