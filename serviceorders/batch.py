"""Batch jobs of the serviceorders app (README "Service orders"): reconnect_held_payments."""

from .jobs import reconnects  # noqa: F401
