"""The `shutoff_candidates` job (issue 12 item 7; registered on import by
delinquency/batch.py): every account with a positive balance and no evaluation for the
business date is evaluated (delinquency.services.shutoff); eligible ones get one
disconnect service order. Counts: done = evaluated, lines = orders created, skipped = not
past due (no evaluation), errors list nothing for blocked accounts (their reason is on the
evaluation)."""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register
from cis.models import BatchRun

from ..services.shutoff import shutoff_candidates_select, shutoff_evaluate
from . import CHUNK_SIZE

JOB = "shutoff_candidates"


def _process(accounts, business_date: date) -> ChunkResult:
    run = BatchRun.objects.filter(job=JOB, business_date=business_date).first()
    result = shutoff_evaluate(
        account_ids=[a.pk for a in accounts], as_of=business_date, batch_run=run
    )
    return ChunkResult(done=result.evaluated, skipped=result.skipped, lines=result.eligible)


register(
    BatchJob(
        name=JOB,
        description="Shut-off eligibility: past-due accounts noticed long enough before and "
        "with no protection (medical certificate, life support, weather moratorium, "
        "arrangement, bankruptcy, dispute) get one disconnect service order; every account "
        "looked at gets an evaluation saying why (not).",
        select=shutoff_candidates_select,
        process=_process,
        chunk_size=CHUNK_SIZE,
        only=("pk",),
    )
)
