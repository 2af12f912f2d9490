"""Batch jobs of the delinquency app (README "Delinquency"), one import per job module."""

from .jobs import (
    arrangements,  # noqa: F401 - arrangement_review
    shutoff,  # noqa: F401 - shutoff_candidates
)
