"""Errors the service order services raise; views map them to messages, the API to 400/409."""


class ServiceOrderError(ValueError):
    """A request that breaks a service order rule (400)."""


class ServiceOrderStateError(ServiceOrderError):
    """The order is not in a state that allows this (409)."""


class ServiceOrderPermissionError(ServiceOrderError):
    """The user may not do this (403)."""
