"""Errors the payment services raise; the API maps them to 400 / 409."""


class PaymentError(ValueError):
    """A request that breaks a payment rule (400)."""


class PaymentRefused(PaymentError):
    """The account does not accept this payment (seed 003 step 1.1)."""


class PaymentStateError(PaymentError):
    """The record is not in a state that allows this (409): already frozen, cancelled..."""
