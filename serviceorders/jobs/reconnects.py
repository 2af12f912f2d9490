"""Service order batch jobs (registered on import by serviceorders/batch.py).

reconnect_held_payments  decide again, once their hold has passed, on ACH / eCheck payments
                         auto-reconnect held (serviceorders.services.reconnect)
"""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register

from ..models import ReconnectDecision
from ..services.reconnect import held_decision_release, held_decisions_due


def _due(business_date: date):
    return held_decisions_due(business_date=business_date)


def _release(decisions: list[ReconnectDecision], business_date: date) -> ChunkResult:
    result = ChunkResult()
    for decision in decisions:
        decided = held_decision_release(decision=decision, business_date=business_date)
        result.done += 1
        result.lines += int(decided.reconnected)
    return result


register(
    BatchJob(
        name="reconnect_held_payments",
        description="Auto-reconnect accounts whose ACH / eCheck payment was held "
        "(ReconnectOptions.ach_hold_days) once the hold has passed.",
        select=_due,
        process=_release,
    )
)
