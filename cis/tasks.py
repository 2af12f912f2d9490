"""Celery tasks of the platform: thin wrappers over the batch runner."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from cis.batch import batch_run_chunk, batch_start


@shared_task(name="cis.batch_run")
def batch_run_task(job_name: str, business_date: str, next_jobs: list[str] | None = None) -> int:
    """Plan a run and fan its chunks out to the workers; returns the BatchRun id."""
    run, ranges = batch_start(
        job_name=job_name,
        business_date=date.fromisoformat(business_date),
        next_jobs=next_jobs or [],
    )
    if not ranges:
        if run.status != run.Status.COMPLETE:
            batch_chunk_task.delay(run.pk, 0, -1)  # an empty range closes the run
        return run.pk
    for first_id, last_id in ranges:
        batch_chunk_task.delay(run.pk, first_id, last_id)
    return run.pk


@shared_task(name="cis.batch_chunk", acks_late=True)
def batch_chunk_task(run_id: int, first_id: int, last_id: int) -> dict:
    result = batch_run_chunk(run_id=run_id, first_id=first_id, last_id=last_id)
    return {"done": result.done, "errored": result.errored, "skipped": result.skipped}


@shared_task(name="cis.nightly_batch")
def nightly_batch_task(jobs: list[str], business_date: str | None = None) -> None:
    """Start the nightly chain: each job starts when the one before it completes."""
    if not jobs:
        return
    day = business_date or timezone.localdate().isoformat()
    batch_run_task.delay(jobs[0], day, jobs[1:])
