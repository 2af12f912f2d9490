"""The `arrangement_review` batch job (registered on import by delinquency/batch.py):
marks the installments of active arrangements kept or broken from the payments, a broken
arrangement lowers the credit rating and ends its protection
(delinquency.services.arrangements)."""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register

from ..models import Arrangement
from ..services.arrangements import arrangements_due_for_review, arrangements_review


def _select(business_date: date):
    return arrangements_due_for_review(business_date)


def _process(arrangements: list[Arrangement], business_date: date) -> ChunkResult:
    result = arrangements_review(arrangements=arrangements, business_date=business_date)
    return ChunkResult(
        done=result.kept + result.broken,
        skipped=result.reviewed - result.kept - result.broken,
        lines=result.installments_decided,
        money=result.amount_decided,
    )


def _report(run) -> list[str]:
    ended = Arrangement.objects.filter(ended_on=run.business_date)
    kept = ended.filter(status=Arrangement.Status.KEPT).count()
    broken = ended.filter(status=Arrangement.Status.BROKEN).count()
    return [f"arrangements kept {kept}, broken {broken} on {run.business_date}"]


register(
    BatchJob(
        name="arrangement_review",
        description="Mark payment arrangement installments kept or broken from the payments "
        "frozen since set-up; a broken arrangement lowers the credit rating and ends its "
        "protection (policy grace days, points, months).",
        select=_select,
        process=_process,
        report=_report,
    )
)
