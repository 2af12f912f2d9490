"""Running a job: start (or resume) a BatchRun, process id-range chunks, finish.

Chunks may run in one process (`runbatch`) or as Celery tasks on several workers; either
way each chunk locks its rows with SELECT ... FOR UPDATE SKIP LOCKED, re-selects only
items still to do, and adds its counts to the run with F() expressions.

A run whose worker died (killed, out of memory, machine lost) stays Running with chunks
not done. Starting the job again for the date resumes it: a new attempt plans chunks over
what `select` still returns, so the work the dead worker's open transaction rolled back is
done once and what committed is not done again. Every chunk is tagged with its attempt: a
chunk message of an earlier attempt (still queued, or redelivered by the broker once its
visibility timeout expires, since chunk tasks are acknowledged late) does no work and
does not count towards the new attempt's chunks.
"""

import logging
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cis.bulk import id_in
from cis.models import BatchRun

from .registry import BatchJob, ChunkResult, get_job

log = logging.getLogger(__name__)
MAX_ERRORS_KEPT = 200


def chunk_ranges(ids: list[int], size: int) -> list[tuple[int, int]]:
    """Consecutive (first id, last id) ranges of `size` items each."""
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


@transaction.atomic
def batch_start(
    *,
    job_name: str,
    business_date: date,
    next_jobs: list[str] | None = None,
    force: bool = False,
    chunk_size: int | None = None,
) -> tuple[BatchRun, list[tuple[int, int]]]:
    """Create or resume the run of `job_name` for `business_date` and plan its chunks.

    A complete run is returned as it is, with no chunks: the work was done already. With
    `force` it starts again (a same-day retry after CSRs fixed errors): the job's `select`
    returns only what is still to do, so nothing done is done twice. A Running or Failed
    run is resumed the same way, as a new attempt. `chunk_size` overrides the job's own
    (and `OPENCIS_BATCH_CHUNK_SIZE`) for this attempt. The `next_jobs` of the run are kept
    when None is given.
    """
    job = get_job(job_name)
    run, created = BatchRun.objects.select_for_update().get_or_create(
        job=job_name, business_date=business_date, defaults={"next_jobs": next_jobs or []}
    )
    if run.status == BatchRun.Status.COMPLETE and not force:
        return run, []
    ids = list(job.select(business_date).order_by("pk").values_list("pk", flat=True))
    ranges = chunk_ranges(ids, chunk_size or job.chunk_size or settings.BATCH_CHUNK_SIZE)
    if not created:
        # A resumed run: what failed before is tried again, so only this attempt's errors
        # decide its outcome (earlier messages stay in `errors` for the record).
        run.attempts += 1
        run.errored = 0
        run.status = BatchRun.Status.RUNNING
        run.finished_at = None
        run.next_jobs = next_jobs if next_jobs is not None else run.next_jobs
    run.total = len(ids)
    run.chunks_total = len(ranges)
    run.chunks_done = 0
    run.finished_chunks = []
    run.save()
    return run, ranges


def batch_run_chunk(
    *, run_id: int, first_id: int, last_id: int, attempt: int | None = None
) -> ChunkResult:
    """Process one id range of a run; the last chunk to finish closes the run.

    `attempt` is the attempt that planned the chunk (None: the current one). A chunk of an
    earlier attempt is stale: the current attempt planned its own chunks over whatever was
    left to do, so the stale one does nothing.

    The items are locked with SKIP LOCKED, so what is free is done at once. Items of the
    range held by another transaction (the same chunk delivered twice, or a chunk of an
    earlier attempt still running) are then waited for, in a second transaction: the
    holder either completed them (the job's `select` no longer returns them) or died (its
    transaction rolled back, and this chunk does them). So a chunk is recorded done only
    once its whole range is, and the run closes only when all of it is.
    """
    run = BatchRun.objects.get(pk=run_id)
    attempt = run.attempts if attempt is None else attempt
    if attempt != run.attempts:
        log.warning("batch %s: stale chunk %s-%s (attempt %s)", run.job, first_id, last_id, attempt)
        return ChunkResult()
    job = get_job(run.job)
    read, result, held = _process_range(job, run, attempt, first_id, last_id, True)
    if held and not result.errored:
        more, rest, _ = _process_range(job, run, attempt, first_id, last_id, False)
        read, result = read + more, result.add(rest)
    _record_chunk(run_id, attempt, first_id, read, result)
    return result


def _process_range(
    job: BatchJob, run: BatchRun, attempt: int, first_id: int, last_id: int, skip_locked: bool
) -> tuple[int, ChunkResult, bool]:
    """One transaction over the range: (items read, result, whether some were skipped
    because another transaction holds them). A failure rolls the transaction back and
    counts its items as errored; a re-run retries them."""
    read = 0
    try:
        with transaction.atomic():
            todo = job.select(run.business_date).filter(pk__gte=first_id, pk__lte=last_id)
            locking = todo.select_for_update(skip_locked=skip_locked, of=("self",))
            items = list((locking.only(*job.only) if job.only else locking).order_by("pk"))
            read = len(items)
            held = skip_locked and todo.exclude(pk__in=id_in(item.pk for item in items)).exists()
            result = job.process(items, run.business_date) if items else ChunkResult()
    except Exception as exc:
        log.exception("batch %s chunk %s-%s failed", run.job, first_id, last_id)
        error = f"attempt {attempt}, ids {first_id}-{last_id}: {exc}"
        return read, ChunkResult(errored=read, errors=[error]), False
    return read, result, held


def _record_chunk(run_id: int, attempt: int, first_id: int, read: int, result: ChunkResult) -> None:
    """Add a chunk's counts to its run. The work a chunk did always counts; the chunk
    itself counts once towards its attempt's chunks (a chunk delivered twice does not
    close the run early), and not at all if its attempt was superseded while it ran (the
    run was resumed meanwhile): the new attempt's own chunks and errors decide its
    outcome."""
    with transaction.atomic():
        # The row lock first: a resume (`batch_start`) cannot start a new attempt between
        # the attempt check and the update.
        run = BatchRun.objects.select_for_update().get(pk=run_id)
        current = run.attempts == attempt and first_id not in run.finished_chunks
        changes = {
            "read": F("read") + read,
            "done": F("done") + result.done,
            "skipped": F("skipped") + result.skipped,
            "lines": F("lines") + result.lines,
            "money": F("money") + result.money,
            "line_errors": F("line_errors") + result.line_errors,
        }
        if current:
            changes |= {
                "errored": F("errored") + result.errored,
                "chunks_done": F("chunks_done") + 1,
                "finished_chunks": run.finished_chunks + [first_id],
            }
        BatchRun.objects.filter(pk=run_id).update(**changes)
        run.refresh_from_db()
        if result.errors and len(run.errors) < MAX_ERRORS_KEPT:
            run.errors = (run.errors + result.errors)[:MAX_ERRORS_KEPT]
            run.save(update_fields=["errors"])
        running = run.status == BatchRun.Status.RUNNING
        if current and running and run.chunks_done >= run.chunks_total:
            _finish(run)


def _finish(run: BatchRun) -> None:
    run.status = BatchRun.Status.FAILED if run.errored else BatchRun.Status.COMPLETE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    if run.status == BatchRun.Status.COMPLETE and run.next_jobs:
        from cis.tasks import batch_run_task  # the chain goes on in Celery

        first, *rest = run.next_jobs
        day = run.business_date.isoformat()
        transaction.on_commit(lambda: batch_run_task.delay(first, day, rest))


def batch_run(
    *,
    job_name: str,
    business_date: date,
    on_chunk: Callable[[int, ChunkResult], None] | None = None,
    on_plan: Callable[[BatchRun, int], None] | None = None,
    force: bool = False,
    chunk_size: int | None = None,
) -> BatchRun:
    """Run a whole job in this process, chunk after chunk (`force`, `chunk_size`: see
    `batch_start`). `on_plan(run, chunks)` is called once planned, `on_chunk(index,
    result)` after each chunk."""
    run, ranges = batch_start(
        job_name=job_name, business_date=business_date, force=force, chunk_size=chunk_size
    )
    if on_plan:
        on_plan(run, len(ranges))
    if not ranges and run.status != BatchRun.Status.COMPLETE:
        ranges = [(0, -1)]  # nothing to do: one empty chunk closes the run
    for index, (first_id, last_id) in enumerate(ranges):
        result = batch_run_chunk(
            run_id=run.pk, first_id=first_id, last_id=last_id, attempt=run.attempts
        )
        if on_chunk:
            on_chunk(index, result)
    run.refresh_from_db()
    return run
