"""Batch jobs of the delinquency app (README "Delinquency: notices and penalties"):
delinquency_notices, late_notice_delivery, delinquency_penalties."""

from .jobs import notices, penalties  # noqa: F401
