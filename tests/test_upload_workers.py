"""The upload job on real Celery worker processes (issue 9, "Must show"): a worker killed
mid-upload loses nothing and posts nothing twice once the run is resumed, and two workers
sharing one upload neither pay a line twice nor deadlock.

The workers are `celery -A cis worker --pool=solo` subprocesses on the test database and
this run's Redis database; every test kills its workers in the fixture's teardown, so a
failing test never leaves a worker holding locks on the test database.
"""

import datetime as dt
import time
from contextlib import contextmanager
from decimal import Decimal as D

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from accounts.ledger_checks import ledger_breaches
from accounts.tests.factories import AccountFactory
from cis.batch import batch_start
from cis.celery import app
from cis.models import BatchRun
from cis.tasks import batch_chunk_task, batch_run_task
from payments.models import (
    ControlStatus,
    DepositControl,
    Payment,
    PaymentStaging,
    StagingStatus,
    UploadFile,
)
from payments.tests.factories import bill, sa_add
from payments.tests.upload.staging import DAY, upload
from tests.workers import Workers, broker_flush, worker_database_url

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("upload_ref"),
]

AMOUNT = D("5.00")


@pytest.fixture
def upload_ref(transactional_db):
    """Accounts and payments reference data (SA and tender types, tender sources)."""
    from payments.reference import reference_data_load

    reference_data_load()


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Start workers with `workers.start(name)`; all are SIGKILLed when the test ends,
    before the test database is flushed (a live worker's locks would block the flush)."""
    app.conf.task_always_eager = False
    broker_flush()
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.kill_all()
        broker_flush()
        app.conf.task_always_eager = True


def billed_accounts(count: int) -> list:
    accounts = []
    for _ in range(count):
        account = AccountFactory()
        bill(account, {sa_add(account, "WATER"): 100}, bill_date=DAY - dt.timedelta(days=20))
        accounts.append(account)
    return accounts


def stage(deposits: list[list]) -> list[UploadFile]:
    """One file (one deposit) per entry, one AMOUNT line per account of the entry."""
    return [
        upload([{"account_reference": a.number, "amount": str(AMOUNT)} for a in accounts])
        for accounts in deposits
    ]


def wait_until(condition, timeout: float, what: str, poll: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"{what}: not within {timeout}s")


def run_of_day() -> BatchRun | None:
    return BatchRun.objects.filter(job="payment_upload", business_date=DAY).first()


def finished_run(timeout: float, workers: Workers) -> BatchRun:
    def finished():
        run = run_of_day()
        return run if run and run.status != BatchRun.Status.RUNNING else None

    try:
        return wait_until(finished, timeout, "the upload run did not finish")
    except AssertionError:
        logs = "\n".join(workers.log(h) for h in workers.procs)
        raise AssertionError(f"run did not finish in {timeout}s: {run_of_day()!r}\n{logs}")


def assert_every_line_paid_once(lines: int, paid_times: dict) -> None:
    """Every staged line is Complete with its own payment, each frozen once on its
    account (`paid_times`: how many lines pay each account); controls balanced, files
    Complete, the ledger clean."""
    stagings = PaymentStaging.objects.all()
    assert stagings.count() == lines
    assert not stagings.exclude(status=StagingStatus.COMPLETE).exists()
    assert not stagings.filter(payment=None).exists()
    assert Payment.objects.count() == lines
    assert Payment.objects.filter(status=Payment.Status.FROZEN).count() == lines
    assert stagings.values("payment").distinct().count() == lines
    paid = dict(
        Payment.objects.values_list("account_id")
        .annotate(n=Count("pk"))
        .values_list("account_id", "n")
    )
    assert paid == {a.pk: n for a, n in paid_times.items()}
    assert not DepositControl.objects.exclude(status=ControlStatus.BALANCED).exists()
    assert not UploadFile.objects.exclude(status=UploadFile.Status.COMPLETE).exists()
    assert list(ledger_breaches()) == []


@contextmanager
def account_held(account):
    """Another connection holds `account`'s row lock until the block ends (the
    connection is closed however the test goes: an open one would block the flush)."""
    conn = psycopg.connect(worker_database_url(), autocommit=False)
    try:
        conn.execute("SELECT id FROM accounts_account WHERE id = %s FOR UPDATE", [account.pk])
        yield conn.info.backend_pid
    finally:
        conn.close()


def backend_waiting_for_a_lock(besides: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid NOT IN (pg_backend_pid(), %s)",
            [besides],
        )
        return cursor.fetchone()[0] > 0


def test_worker_killed_mid_upload_then_resumed_posts_every_line_once(workers):
    """A worker is SIGKILLed in the middle of a chunk, its transaction open (it waits for
    an account another connection holds), after three of six chunks committed. The cut-off
    chunk rolls back whole. Running the job again (`runbatch --celery`) with a new worker
    resumes the Running run as a second attempt over what is left, so every staged line
    ends as exactly one frozen payment and the run's progress counts each line once.
    Would catch: a chunk committed in parts, a resume that posts committed deposits again
    (duplicate payments), a resume that misses the cut-off deposits, a dead worker's run
    left Running for good."""
    # given: 12 deposits of 10 lines in 6 chunks of 2; the last 6 also pay `held`
    accounts, (held,) = billed_accounts(10), billed_accounts(1)
    stage([accounts] * 6 + [accounts + [held]] * 6)
    first = workers.start("first")
    with account_held(held) as holder:
        batch_run_task.delay("payment_upload", DAY.isoformat(), chunk_size=2)

        # when: the worker is killed inside chunk 4, waiting for the held account
        def stuck_in_chunk_4():
            run = run_of_day()
            return run and run.chunks_done == 3 and backend_waiting_for_a_lock(holder)

        wait_until(stuck_in_chunk_4, 40, "the worker did not reach chunk 4")
        workers.kill(first)
    run = run_of_day()
    assert (run.status, run.chunks_done, run.chunks_total) == ("running", 3, 6)
    assert Payment.objects.count() == run.lines == 3 * 2 * 10  # three whole chunks only

    # and the job is started again, a new worker taking over
    call_command("runbatch", "payment_upload", "--date", DAY.isoformat(), "--celery")
    workers.start("second")
    run = finished_run(60, workers)

    # then
    assert run.status == BatchRun.Status.COMPLETE, run.errors
    assert run.attempts == 2
    assert (run.lines, run.money, run.line_errors) == (126, 126 * AMOUNT, 0)
    assert_every_line_paid_once(126, {**dict.fromkeys(accounts, 12), held: 6})


def test_two_workers_share_one_upload_without_paying_twice_or_deadlocking(workers):
    """Two worker processes take the chunks of one upload at the same time; every chunk
    is also delivered twice (as a late-acknowledged task is when the broker redelivers
    it). The deposits pay two groups of accounts in crossing order (chunks of [A, B] and
    of [B, A]), so chunks that locked accounts deposit by deposit would deadlock.
    Would catch: a deposit posted by both workers (duplicate payments, or the second
    copy failing on the external-id constraint and failing the run), accounts locked
    out of order (PostgreSQL aborts one chunk with "deadlock detected" and the run
    fails), a run that never finishes."""
    group_a, group_b = billed_accounts(8), billed_accounts(8)
    order = [group_a, group_b, group_b, group_a] * 4  # chunks [A, B], [B, A], ...
    stage(order)
    one, two = workers.start("one"), workers.start("two")
    workers.wait_ready(one, two)

    # when: the run is planned and each chunk queued twice
    run, ranges = batch_start(job_name="payment_upload", business_date=DAY, chunk_size=2)
    assert len(ranges) == 8
    for first_id, last_id in ranges + ranges:
        batch_chunk_task.delay(run.pk, first_id, last_id, run.attempts)
    run = finished_run(60, workers)

    # then: the run closed only once every line was posted (the second copy of a chunk
    # waited for the first instead of closing it early); both workers worked; nothing
    # twice, no chunk failed
    assert run.status == BatchRun.Status.COMPLETE, run.errors
    assert not PaymentStaging.objects.exclude(status=StagingStatus.COMPLETE).exists()
    assert run.errored == 0 and run.line_errors == 0 and run.chunks_done == 8
    assert (run.lines, run.money) == (128, 128 * AMOUNT)
    stats = app.control.inspect(destination=[one, two], timeout=2).stats() or {}
    ran = {h: s["total"].get("cis.batch_chunk", 0) for h, s in stats.items()}
    assert set(ran) == {one, two} and all(ran.values()), ran
    assert_every_line_paid_once(128, dict.fromkeys(group_a + group_b, 8))
