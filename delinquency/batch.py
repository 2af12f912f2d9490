"""Batch jobs of the delinquency app (README "Delinquency"), one import per job."""

from .jobs import shutoff  # noqa: F401
