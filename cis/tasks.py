"""Celery tasks of the platform: thin wrappers over the batch runner."""

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from cis.batch import batch_run_chunk, batch_start, job_names

log = logging.getLogger(__name__)


@shared_task(name="cis.batch_run")
def batch_run_task(
    job_name: str,
    business_date: str,
    next_jobs: list[str] | None = None,
    force: bool = False,
    chunk_size: int | None = None,
) -> int:
    """Plan a run (or resume one whose worker died) and fan its chunks out to the
    workers; returns the BatchRun id. A job of the chain that is not registered (an app
    not installed yet) is skipped: the chain goes on with the next one. `next_jobs` None
    keeps the chain a resumed run had."""
    if job_name not in job_names():
        log.warning("nightly chain: no batch job %r, skipped", job_name)
        if next_jobs:
            batch_run_task.delay(next_jobs[0], business_date, next_jobs[1:])
        return 0
    run, ranges = batch_start(
        job_name=job_name,
        business_date=date.fromisoformat(business_date),
        next_jobs=next_jobs,
        force=force,
        chunk_size=chunk_size,
    )
    if not ranges:
        if run.status != run.Status.COMPLETE:
            batch_chunk_task.delay(run.pk, 0, -1, run.attempts)  # an empty range closes it
        return run.pk
    for first_id, last_id in ranges:
        batch_chunk_task.delay(run.pk, first_id, last_id, run.attempts)
    return run.pk


@shared_task(name="cis.batch_chunk", acks_late=True)
def batch_chunk_task(run_id: int, first_id: int, last_id: int, attempt: int | None = None) -> dict:
    """One chunk of one attempt of a run (acknowledged once done: a chunk whose worker
    died is delivered again, and does nothing if its run was resumed meanwhile)."""
    result = batch_run_chunk(run_id=run_id, first_id=first_id, last_id=last_id, attempt=attempt)
    return {"done": result.done, "errored": result.errored, "skipped": result.skipped}


@shared_task(name="cis.nightly_batch")
def nightly_batch_task(jobs: list[str], business_date: str | None = None) -> None:
    """Start the nightly chain: each job starts when the one before it completes."""
    if not jobs:
        return
    day = business_date or timezone.localdate().isoformat()
    batch_run_task.delay(jobs[0], day, jobs[1:])
