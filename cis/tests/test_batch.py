"""The batch framework: chunked, recorded, idempotent and restartable (DESIGN §6)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Bill, FinancialTransaction
from accounts.services.bills import bill_create
from accounts.tests.factories import ServiceAgreementFactory
from cis.batch import batch_run, batch_run_chunk, batch_start
from cis.batch.runner import chunk_ranges
from cis.models import BatchRun

DAY = dt.date(2026, 11, 1)


def pending_bills(count: int, bill_date=DAY) -> list[Bill]:
    bills = []
    for _ in range(count):
        sa = ServiceAgreementFactory()
        bills.append(
            bill_create(
                account=sa.account,
                bill_date=bill_date,
                due_date=bill_date + dt.timedelta(days=20),
                segments={sa: Decimal("10.00")},
            )
        )
    return bills


def test_chunk_ranges_cover_every_id_once():
    assert chunk_ranges([3, 5, 8, 9, 12], 2) == [(3, 5), (8, 9), (12, 12)]
    assert chunk_ranges([], 2) == []


def test_run_records_counts_and_a_rerun_does_nothing_twice(db, settings):
    settings.BATCH_CHUNK_SIZE = 2
    pending_bills(5)
    future = pending_bills(1, bill_date=DAY + dt.timedelta(days=3))[0]
    run = batch_run(job_name="complete_bills", business_date=DAY)
    assert (run.status, run.total, run.read, run.done, run.errored) == ("complete", 5, 5, 5, 0)
    assert run.chunks_total == 3 and run.finished_at is not None
    assert FinancialTransaction.objects.count() == 5
    again = batch_run(job_name="complete_bills", business_date=DAY)
    assert again.pk == run.pk and again.done == 5 and again.attempts == 1
    assert FinancialTransaction.objects.count() == 5
    assert Bill.objects.get(pk=future.pk).status == Bill.Status.PENDING


def test_failed_chunk_rolls_back_is_recorded_and_a_rerun_finishes(db, settings, monkeypatch):
    settings.BATCH_CHUNK_SIZE = 2
    bills = pending_bills(4)
    from accounts import batch as accounts_batch

    real = accounts_batch.bills_complete
    poison = bills[0].pk

    def flaky(*, bill_ids):
        if poison in bill_ids:
            raise RuntimeError("disk full")
        return real(bill_ids=bill_ids)

    monkeypatch.setattr(accounts_batch, "bills_complete", flaky)
    run = batch_run(job_name="complete_bills", business_date=DAY)
    assert (run.status, run.done, run.errored) == ("failed", 2, 2)
    assert "disk full" in run.errors[0]
    assert Bill.objects.filter(status="pending").count() == 2  # the failed chunk rolled back
    monkeypatch.setattr(accounts_batch, "bills_complete", real)
    run = batch_run(job_name="complete_bills", business_date=DAY)
    assert (run.status, run.attempts, run.done) == ("complete", 2, 4)
    assert not Bill.objects.filter(status="pending").exists()


def test_runbatch_command_reports_and_rejects_unknown_jobs(db, capsys):
    pending_bills(2)
    call_command("runbatch", "complete_bills", "--date", DAY.isoformat())
    assert "complete; read 2, done 2" in capsys.readouterr().out
    assert BatchRun.objects.get(job="complete_bills").done == 2
    with pytest.raises(CommandError, match="unknown job"):
        call_command("runbatch", "no_such_job")


def test_nightly_chain_runs_each_job_after_the_one_before(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    """The beat task starts the chain; a job's completion starts the next job."""
    from cis.batch.registry import _REGISTRY, BatchJob, ChunkResult
    from cis.tasks import nightly_batch_task

    seen = []

    def after_bills(business_date):
        seen.append(Bill.objects.filter(status="pending").count())
        return Bill.objects.none()

    monkeypatch.setitem(
        _REGISTRY,
        "after_bills",
        BatchJob("after_bills", "test job", after_bills, lambda items, day: ChunkResult()),
    )
    pending_bills(3)
    with django_capture_on_commit_callbacks(execute=True):
        nightly_batch_task(jobs=["complete_bills", "after_bills"], business_date=DAY.isoformat())
    runs = {r.job: r for r in BatchRun.objects.filter(business_date=DAY)}
    assert runs["complete_bills"].status == "complete" and runs["complete_bills"].done == 3
    assert runs["after_bills"].status == "complete"
    assert seen and seen[0] == 0  # it started only after every bill was complete


def test_nightly_schedule_is_in_the_database(db):
    import json

    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="OpenCIS nightly batch")
    assert task.task == "cis.nightly_batch" and task.enabled
    assert json.loads(task.kwargs)["jobs"][0] == "complete_bills"


def test_a_run_whose_worker_died_is_resumed_and_does_each_item_once(db, settings):
    """A run left Running (its worker died after one chunk of three) is resumed by
    starting the job again: a second attempt over what is left completes the run."""
    settings.BATCH_CHUNK_SIZE = 2
    pending_bills(5)
    run, ranges = batch_start(job_name="complete_bills", business_date=DAY)
    batch_run_chunk(run_id=run.pk, first_id=ranges[0][0], last_id=ranges[0][1], attempt=1)
    # the worker dies here: two chunks never run
    run = batch_run(job_name="complete_bills", business_date=DAY)
    assert (run.status, run.attempts, run.total, run.chunks_total) == ("complete", 2, 3, 2)
    assert run.done == 5 and FinancialTransaction.objects.count() == 5


def test_a_stale_chunk_of_an_earlier_attempt_does_nothing(db, settings):
    """A dead worker's chunk redelivered after the run was resumed neither does work nor
    counts towards the new attempt (it would close the run before its own chunks ran)."""
    settings.BATCH_CHUNK_SIZE = 2
    pending_bills(4)
    run, old = batch_start(job_name="complete_bills", business_date=DAY)
    run, new = batch_start(job_name="complete_bills", business_date=DAY)  # resumed
    assert run.attempts == 2 and len(new) == 2
    for first_id, last_id in old:
        batch_run_chunk(run_id=run.pk, first_id=first_id, last_id=last_id, attempt=1)
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.done) == ("running", 0, 0)
    assert FinancialTransaction.objects.count() == 0
    for first_id, last_id in new:
        batch_run_chunk(run_id=run.pk, first_id=first_id, last_id=last_id, attempt=2)
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.done) == ("complete", 2, 4)


def test_a_chunk_delivered_twice_counts_once(db, settings):
    """The second delivery of a chunk finds nothing left and does not count as another
    chunk: the run stays Running until its other chunk is done."""
    settings.BATCH_CHUNK_SIZE = 2
    pending_bills(4)
    run, ranges = batch_start(job_name="complete_bills", business_date=DAY)
    (a, b), (c, d) = ranges
    batch_run_chunk(run_id=run.pk, first_id=a, last_id=b)
    batch_run_chunk(run_id=run.pk, first_id=a, last_id=b)
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.done) == ("running", 1, 2)
    batch_run_chunk(run_id=run.pk, first_id=c, last_id=d)
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.done) == ("complete", 2, 4)


def test_a_resumed_run_keeps_its_chain(db, settings):
    pending_bills(1)
    run, _ = batch_start(job_name="complete_bills", business_date=DAY, next_jobs=["x"])
    run, _ = batch_start(job_name="complete_bills", business_date=DAY)
    assert run.next_jobs == ["x"]


def test_chunk_size_option_overrides_the_setting(db, settings, capsys):
    settings.BATCH_CHUNK_SIZE = 500
    pending_bills(3)
    call_command("runbatch", "complete_bills", "--date", DAY.isoformat(), "--chunk-size", "1")
    assert BatchRun.objects.get(job="complete_bills").chunks_total == 3
