"""The upload job line by line: set-based writes and the retry of a partly posted line."""

import io
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_fsm_log.models import StateLog

from accounts.ledger_checks import ledger_breaches
from accounts.tests.factories import AccountFactory
from cis.batch import batch_run
from payments.models import Payment, PaymentStaging, StagingStatus, UploadException
from payments.tests.factories import bill, sa_add

from .staging import DAY, upload

pytestmark = pytest.mark.usefixtures("pay_ref")


def billed(amount=50):
    account = AccountFactory()
    bill(account, {sa_add(account, "WATER"): amount})
    return account


def queries_to_post(lines: int) -> int:
    accounts = [billed() for _ in range(lines)]
    upload([{"account_reference": a.number, "amount": "5.00"} for a in accounts])
    with CaptureQueriesContext(connection) as captured:
        run = batch_run(job_name="payment_upload", business_date=DAY, force=True)
    assert run.status == "complete" and not PaymentStaging.objects.exclude(status="complete")
    return len(captured)


def test_posting_a_deposit_takes_as_many_statements_for_30_lines_as_for_3():
    """No per-line round trip in the hot path (issue 9 item 7): starting, completing and
    logging the lines' transitions are set-based, and each line's log still holds both
    moves (Pending -> In progress -> Complete)."""
    queries_to_post(1)  # the run exists, caches are warm
    few = queries_to_post(3)
    many = queries_to_post(30)
    assert many == few
    ct = ContentType.objects.get_for_model(PaymentStaging)
    line = PaymentStaging.objects.order_by("pk").last()
    moves = StateLog.objects.filter(content_type=ct, object_id=line.pk).order_by("pk")
    assert [(m.source_state, m.state) for m in moves] == [
        ("pending", "in_progress"),
        ("in_progress", "complete"),
    ]


def test_a_partly_refused_pay_advice_line_posts_the_rest_on_retry():
    """A multi-account line whose advice account refuses payments keeps what it posted
    and goes to Error; once the account accepts again and the CSR sets the line Pending,
    the next run posts only the refused part: each part paid once, the line Complete."""
    # given: 30.00 from a's line, 10.00 of it advised to b, whose customer refuses payments
    a, b = billed(), billed()
    b.customer.do_not_accept_payments = True
    b.customer.save(update_fields=["do_not_accept_payments"])
    upload([{"account_reference": a.number, "amount": "30.00", "advices": [(b.number, "10")]}])
    run = batch_run(job_name="payment_upload", business_date=DAY)
    line = PaymentStaging.objects.get()
    assert line.status == StagingStatus.ERROR and Payment.objects.count() == 1
    # when: b accepts payments again and the CSR retries the line
    b.customer.do_not_accept_payments = False
    b.customer.save(update_fields=["do_not_accept_payments"])
    line.retry()
    line.save()
    UploadException.objects.update(resolved_at=timezone.now())
    call_command(
        "runbatch", "payment_upload", "--date", DAY.isoformat(), "--force", stdout=io.StringIO()
    )
    # then
    line.refresh_from_db()
    run.refresh_from_db()
    assert line.status == StagingStatus.COMPLETE, (line.error_message, run.errors)
    paid = sorted((p.account_id, p.amount) for p in Payment.objects.all())
    assert paid == sorted([(a.pk, D("20.00")), (b.pk, D("10.00"))])
    assert line.advices.get().payment.account == b
    assert not list(ledger_breaches())
