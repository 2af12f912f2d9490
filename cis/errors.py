"""Errors any app's services raise that the API answers as a client error."""


class DomainError(ValueError):
    """A request a business rule refuses: the API answers 400 with the message."""
