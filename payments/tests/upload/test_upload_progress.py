"""The upload job's progress (issue 9 item 7): lines posted, their money and the lines in
error so far, in `runbatch`'s progress bar, its summary, the BatchRun record and the API."""

import datetime as dt
import io
import sys
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import AccountFactory
from cis.models import BatchRun
from payments.models import PaymentStaging, StagingStatus, UploadException
from payments.tests.factories import bill, sa_add

from .staging import DAY, upload

pytestmark = pytest.mark.usefixtures("pay_ref")


def billed():
    account = AccountFactory()
    bill(account, {sa_add(account, "WATER"): 50})
    return account


def staged() -> None:
    """Two files: 3 lines posted (one paying two accounts) for 65.50, one bad amount,
    one line dated after the business date (it waits: neither posted nor an error)."""
    a, b, c = billed(), billed(), billed()
    upload(
        [
            {"account_reference": a.number, "amount": "20.00"},
            {"account_reference": b.number, "amount": "30.00", "advices": [(c.number, "10.00")]},
            {"account_reference": a.number, "amount_text": "2O.00"},
        ]
    )
    upload(
        [
            {"account_reference": c.number, "amount": "15.50"},
            {
                "account_reference": c.number,
                "amount": "9.00",
                "accounting_date": DAY + dt.timedelta(days=3),
            },
        ]
    )


def test_runbatch_shows_lines_money_and_errors_in_its_bar_and_summary(capsys, monkeypatch):
    # given
    staged()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    # when: one deposit per chunk, so the bar moves twice
    call_command("runbatch", "payment_upload", "--date", DAY.isoformat(), "--chunk-size", "1")
    # then
    out, err = capsys.readouterr()
    assert "2/2" in err and "lines 3, money $65.50, errors 1" in err
    assert "lines 3, money $65.50, errors 1" in out
    run = BatchRun.objects.get(job="payment_upload", business_date=DAY)
    assert (run.lines, run.money, run.line_errors) == (3, D("65.50"), 1)


def test_progress_adds_up_over_attempts_and_shows_in_the_api(db):
    """A forced same-day run after a CSR's fix adds what it posts to what the first
    attempt posted; the batch-runs API shows the run's progress."""
    staged()
    call_command("runbatch", "payment_upload", "--date", DAY.isoformat(), stdout=io.StringIO())
    bad = PaymentStaging.objects.get(status=StagingStatus.ERROR)
    bad.amount = D("20.00")
    bad.retry()
    bad.save()
    UploadException.objects.update(resolved_at=timezone.now())
    call_command(
        "runbatch", "payment_upload", "--date", DAY.isoformat(), "--force", stdout=io.StringIO()
    )
    run = BatchRun.objects.get(job="payment_upload", business_date=DAY)
    assert (run.attempts, run.lines, run.money, run.line_errors) == (2, 4, D("85.50"), 1)
    client = APIClient()
    client.force_authenticate(User.objects.create_superuser("ops", password="x"))
    body = client.get("/api/v1/batch-runs/").json()
    rows = body["results"] if isinstance(body, dict) else body
    (shown,) = [r for r in rows if r["job"] == "payment_upload"]
    assert (shown["lines"], shown["money"], shown["line_errors"]) == (4, "85.50", 1)
