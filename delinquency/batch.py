"""Batch jobs of the delinquency app (README "Delinquency"), one import per job module."""

from .jobs import arrangements  # noqa: F401
