"""A registered job through a real Celery worker on Redis (DESIGN §6)."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker

from accounts.models import Bill, FinancialTransaction
from accounts.services.bills import bill_create
from accounts.tests.factories import ServiceAgreementFactory
from cis.celery import app
from cis.models import BatchRun
from cis.tasks import batch_run_task

DAY = dt.date(2026, 11, 2)
pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings):
    settings.BATCH_CHUNK_SIZE = 3
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield
    finally:
        app.conf.task_always_eager = True


def wait_for_run(job: str, timeout: float = 30) -> BatchRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = BatchRun.objects.filter(job=job, business_date=DAY).first()
        if run and run.status != BatchRun.Status.RUNNING:
            return run
        time.sleep(0.1)
    raise AssertionError(f"{job} did not finish in {timeout}s")


def test_job_runs_on_a_worker_and_a_second_run_does_no_work(worker):
    for _ in range(7):
        sa = ServiceAgreementFactory()
        bill_create(
            account=sa.account,
            bill_date=DAY,
            due_date=DAY + dt.timedelta(days=21),
            segments={sa: Decimal("33.00")},
        )
    assert app.conf.broker_url.startswith("redis://")

    batch_run_task.delay("complete_bills", DAY.isoformat()).get(timeout=30)
    run = wait_for_run("complete_bills")
    assert (run.status, run.total, run.read, run.done, run.errored) == ("complete", 7, 7, 7, 0)
    assert run.chunks_total == 3 and run.chunks_done == 3
    assert FinancialTransaction.objects.count() == 7

    batch_run_task.delay("complete_bills", DAY.isoformat()).get(timeout=30)
    run.refresh_from_db()
    assert (run.done, run.attempts) == (7, 1)
    assert FinancialTransaction.objects.count() == 7
    assert not Bill.objects.filter(status=Bill.Status.PENDING).exists()
