"""Two workers sharing one extract run (two database connections, as two Celery workers
take a run's chunks): still one file per effective date, each clearing in exactly one
file, each card charged once, distinct file id modifiers."""

import datetime as dt
import threading

import pytest
from django.db import connection

from autopay.models import AchExtract, Clearing, Enrollment
from cis.batch import batch_run_chunk, batch_start
from cis.models import BatchRun

from .extract_helpers import EXTRACT_ON, ach_files, activated, billed_account
from .factories import card_enrollment, draft_enrollment

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 60.0


@pytest.fixture
def outbox(tmp_path, settings):
    settings.OPENCIS_ACH_OUTBOX = tmp_path / "outbox" / "ach"
    return settings.OPENCIS_ACH_OUTBOX


def test_two_workers_on_one_run_write_one_file_per_effective_date(
    account, autopay_reference, outbox
):
    # given: drafts settling on two days and two cards, one work item per chunk
    drafts = [activated(draft_enrollment(account), "100.00")]
    for n, day in enumerate([22, 23, 22, 23]):
        other = billed_account(f"Worker{n}", "Test")
        drafts.append(activated(draft_enrollment(other), "10.00", dt.date(2026, 1, day)))
    cards = [
        activated(card_enrollment(billed_account(f"Card{n}", "Test")), "10.00") for n in range(2)
    ]
    run, ranges = batch_start(
        job_name="autopay_extract_ach", business_date=EXTRACT_ON, chunk_size=1
    )
    assert len(ranges) == 2 + 2  # a leader per effective date, and each card
    barrier = threading.Barrier(2, timeout=WAIT)
    failures = []

    def worker(order):
        try:
            barrier.wait()
            for first_id, last_id in order:
                batch_run_chunk(
                    run_id=run.pk, first_id=first_id, last_id=last_id, attempt=run.attempts
                )
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    # when: both workers take every chunk, in opposite orders
    threads = [
        threading.Thread(target=worker, args=(ranges,)),
        threading.Thread(target=worker, args=(list(reversed(ranges)),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(3 * WAIT)
    # then
    assert failures == []
    run.refresh_from_db()
    assert run.status == BatchRun.Status.COMPLETE and run.errors == []
    files = ach_files(outbox)
    assert len(files) == 2
    extracts = AchExtract.objects.filter(kind=Enrollment.Kind.DRAFT).order_by("effective_on")
    assert sorted(e.file_id_modifier for e in extracts) == ["A", "B"]
    assert [e.entry_count for e in extracts] == [3, 2]
    statuses = set(
        Clearing.objects.filter(pk__in=[c.pk for c in drafts + cards]).values_list(
            "status", flat=True
        )
    )
    assert statuses == {Clearing.Status.EXTRACTED}
    traces = list(Clearing.objects.exclude(trace_number="").values_list("trace_number", flat=True))
    assert len(traces) == len(set(traces)) == 5
    card_extract = AchExtract.objects.get(kind=Enrollment.Kind.CARD)
    assert card_extract.entry_count == 2
