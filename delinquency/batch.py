"""Batch jobs of the delinquency app (README "Delinquency"), one import per job module:
delinquency_notices, late_notice_delivery, delinquency_penalties, arrangement_review,
shutoff_candidates, delinquency_writeoffs."""

from .jobs import (
    arrangements,  # noqa: F401 - arrangement_review
    notices,  # noqa: F401 - delinquency_notices, late_notice_delivery
    penalties,  # noqa: F401 - delinquency_penalties
    shutoff,  # noqa: F401 - shutoff_candidates
    writeoffs,  # noqa: F401 - delinquency_writeoffs
)
