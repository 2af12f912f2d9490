"""The creation jobs day by day (seed 001 steps 2.9, 3.0, 5.5-5.6): autopay_create,
autopay_distribute_freeze, autopay_activate, and the sweep of bills nobody evaluated."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from accounts.models import SAType, ToDoEntry
from accounts.services.bills import bill_complete, bill_create
from autopay.models import BillAutopayCheck, Clearing, Enrollment
from cis.batch import batch_run
from cis.models import BatchRun
from payments.models import OverpaymentRule, Payment, PaymentEvent

from .factories import draft_enrollment

BILL_DATE = dt.date(2026, 3, 2)
DUE = dt.date(2026, 3, 23)
EXTRACT = dt.date(2026, 3, 19)  # two banking days before the due date


def run(job: str, day: dt.date) -> BatchRun:
    return batch_run(job_name=job, business_date=day, force=True)


def nightly(day: dt.date) -> None:
    for job in ("autopay_bill_sweep", "autopay_create", "autopay_distribute_freeze"):
        run(job, day)
    run("autopay_activate", day)


def _bill(account, amount="80.00", capture=None):
    sa = account.agreements.get(sa_type__code="WATER")
    bill = bill_create(account=account, bill_date=BILL_DATE, due_date=DUE, segments={sa: D(amount)})
    if capture is None:
        bill_complete(bill=bill)  # the receiver never runs: a crash before delivery
    else:
        with capture(execute=True):
            bill_complete(bill=bill)
    return bill


@pytest.fixture
def enrolled(account, autopay_reference):
    draft_enrollment(account)
    return account


def status(bill) -> str:
    return Clearing.objects.get(bill=bill).status


def test_the_chain_creates_freezes_and_activates_on_the_extract_date_only(
    enrolled, django_capture_on_commit_callbacks
):
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    # the day before the extract date: nothing moves
    nightly(EXTRACT - dt.timedelta(days=1))
    assert status(bill) == Clearing.Status.PENDING
    # the extract date, job by job
    run("autopay_create", EXTRACT)
    assert status(bill) == Clearing.Status.CREATED
    run("autopay_distribute_freeze", EXTRACT)
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.status == Clearing.Status.FROZEN
    assert clearing.payment.status == Payment.Status.FROZEN
    assert clearing.payment.amount == D("180.00")
    assert clearing.payment.accounting_date == DUE
    assert clearing.tender.external_id == f"AUTOPAY-{clearing.pk}"
    run("autopay_activate", EXTRACT)
    assert status(bill) == Clearing.Status.ACTIVATED
    # the transitions are on record, as django-fsm-log writes them
    from django_fsm_log.models import StateLog

    logged = StateLog.objects.for_(clearing).order_by("pk").values_list("transition", flat=True)
    assert list(logged) == ["create", "freeze", "activate"]
    enrolled.refresh_from_db()
    assert enrolled.balance == D("0.00")
    call_command("check_ledger")


def test_running_the_chain_again_does_nothing_twice(enrolled, django_capture_on_commit_callbacks):
    _bill(enrolled, capture=django_capture_on_commit_callbacks)
    nightly(EXTRACT)
    nightly(EXTRACT)
    nightly(EXTRACT + dt.timedelta(days=1))
    assert Payment.objects.filter(event__tender_source__code="AUTOPAY").count() == 1
    assert Clearing.objects.get().status == Clearing.Status.ACTIVATED
    call_command("check_ledger")


def _pay_cash(account, amount: str, day: dt.date) -> None:
    from payments.models import TenderSource, TenderType
    from payments.services.bulk import BulkPayment, payments_post_bulk

    payments_post_bulk(
        items=[
            BulkPayment(
                account_id=account.pk,
                amount=D(amount),
                tender_type_id=TenderType.objects.get(code="CASH").pk,
                accounting_date=day,
            )
        ],
        tender_source=TenderSource.objects.get(code="CASHIER"),
    )


def test_a_payment_since_the_bill_lowers_the_balance_drafted(
    enrolled, django_capture_on_commit_callbacks
):
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    _pay_cash(enrolled, "50.00", dt.date(2026, 3, 10))
    run("autopay_create", EXTRACT)
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.status == Clearing.Status.CREATED
    assert clearing.amount == D("130.00")


def test_a_fixed_amount_is_not_recomputed_on_the_extract_date(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    draft_enrollment(account, amount_option=Enrollment.AmountOption.FIXED, amount=D("70.00"))
    bill = _bill(account, capture=django_capture_on_commit_callbacks)
    _pay_cash(account, "180.00", dt.date(2026, 3, 10))
    run("autopay_create", EXTRACT)
    assert Clearing.objects.get(bill=bill).amount == D("70.00")


def test_nothing_owed_on_the_extract_date_cancels_the_autopay(
    enrolled, django_capture_on_commit_callbacks
):
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    _pay_cash(enrolled, "180.00", dt.date(2026, 3, 10))
    nightly(EXTRACT)
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.status == Clearing.Status.CANCELLED
    assert "Nothing owed" in clearing.cancel_comment
    assert clearing.payment_id is None
    call_command("check_ledger")


def test_an_autopay_stopped_before_the_extract_date_is_cancelled(
    enrolled, django_capture_on_commit_callbacks
):
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    Enrollment.objects.filter(account=enrolled).update(
        stopped_on=dt.date(2026, 3, 10), stop_reason=Enrollment.StopReason.CUSTOMER
    )
    run("autopay_create", EXTRACT)
    assert status(bill) == Clearing.Status.CANCELLED


def test_a_refused_payment_cancels_the_autopay_with_a_todo(
    enrolled, django_capture_on_commit_callbacks
):
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    run("autopay_create", EXTRACT)
    enrolled.customer.do_not_accept_payments = True
    enrolled.customer.save(update_fields=["do_not_accept_payments"])
    result = run("autopay_distribute_freeze", EXTRACT)
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.status == Clearing.Status.CANCELLED
    assert "does not accept payments" in clearing.cancel_comment
    assert result.skipped == 1
    todo = ToDoEntry.objects.get(todo_type__code="AUTOPAYREF")
    assert todo.source == f"autopay.Clearing:{clearing.pk}"
    assert not PaymentEvent.objects.filter(external_id=f"AUTOPAY-{clearing.pk}").exists()
    call_command("check_ledger")


def test_a_distribution_failure_keeps_the_autopay_created_with_a_todo_and_no_retry(
    enrolled, django_capture_on_commit_callbacks
):
    # given: a fixed amount over the debt, and nowhere to put the overpayment
    Enrollment.objects.filter(account=enrolled).update(
        amount_option=Enrollment.AmountOption.FIXED, amount=D("500.00")
    )
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    SAType.objects.update(is_overpayment_eligible=False)
    SAType.objects.filter(is_excess_credit=True).update(is_active=False)
    OverpaymentRule.objects.update(is_active=False)
    run("autopay_create", EXTRACT)
    # when
    result = run("autopay_distribute_freeze", EXTRACT)
    # then
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.status == Clearing.Status.CREATED
    assert clearing.payment.status == Payment.Status.ERROR
    assert result.errored == 1
    assert ToDoEntry.objects.filter(
        todo_type__code="AUTOPAYERR", source=f"autopay.Clearing:{clearing.pk}"
    ).exists()
    # a re-run leaves it to the CSR (no second payment, no refusal)
    run("autopay_distribute_freeze", EXTRACT)
    assert Payment.objects.filter(event__external_id=f"AUTOPAY-{clearing.pk}").count() == 1
    assert Clearing.objects.get(pk=clearing.pk).status == Clearing.Status.CREATED
    call_command("check_ledger")


def test_bill_completion_option_chain_only_activates(
    enrolled, settings, django_capture_on_commit_callbacks
):
    settings.OPENCIS_AUTOPAY_CREATE_AT = "bill_completion"
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    assert status(bill) == Clearing.Status.FROZEN
    nightly(EXTRACT - dt.timedelta(days=1))
    assert status(bill) == Clearing.Status.FROZEN
    nightly(EXTRACT)
    assert status(bill) == Clearing.Status.ACTIVATED
    assert Payment.objects.filter(event__tender_source__code="AUTOPAY").count() == 1
    call_command("check_ledger")


def test_the_sweep_drafts_a_bill_whose_delivery_was_lost_once(enrolled):
    # given: the bill committed, the receiver never ran
    bill = _bill(enrolled)
    assert not Clearing.objects.filter(bill=bill).exists()
    # when
    sweep = run("autopay_bill_sweep", dt.date(2026, 3, 3))
    # then
    assert sweep.done == 1
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.amount == D("180.00")
    assert clearing.extract_on == EXTRACT
    assert run("autopay_bill_sweep", dt.date(2026, 3, 4)).total == 0


def test_the_sweep_leaves_evaluated_and_deleted_bills_alone(
    enrolled, django_capture_on_commit_callbacks
):
    # given: one bill found ineligible, one whose autopay a CSR deleted
    enrolled.customer.do_not_accept_payments = True
    enrolled.customer.save(update_fields=["do_not_accept_payments"])
    refused = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    assert BillAutopayCheck.objects.get(bill=refused).outcome == "ineligible"
    enrolled.customer.do_not_accept_payments = False
    enrolled.customer.save(update_fields=["do_not_accept_payments"])
    deleted = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    clearing = Clearing.objects.get(bill=deleted)
    BillAutopayCheck.objects.filter(bill=deleted).delete()  # even without its check row
    Clearing.objects.filter(pk=clearing.pk).update(status=Clearing.Status.CANCELLED)
    # when
    sweep = run("autopay_bill_sweep", dt.date(2026, 3, 3))
    # then: nothing evaluated again (the fixture's January bill is past the sweep's reach)
    assert sweep.total == 0
    assert list(BillAutopayCheck.objects.values_list("bill_id", flat=True)) == [refused.pk]
    assert Clearing.objects.count() == 1


def test_the_nightly_chain_runs_the_sweep_before_the_create_job(db):
    import json

    from django_celery_beat.models import PeriodicTask

    jobs = json.loads(PeriodicTask.objects.get(name="OpenCIS nightly batch").kwargs)["jobs"]
    order = [j for j in jobs if j.startswith("autopay_") or j == "ach_returns_import"]
    assert order[:5] == [
        "ach_returns_import",
        "autopay_bill_sweep",
        "autopay_create",
        "autopay_distribute_freeze",
        "autopay_advance_notices",
    ]


def test_runbatch_runs_the_creation_jobs_by_hand(enrolled, django_capture_on_commit_callbacks):
    bill = _bill(enrolled, capture=django_capture_on_commit_callbacks)
    for job in ("autopay_create", "autopay_distribute_freeze", "autopay_activate"):
        call_command("runbatch", job, "--date", EXTRACT.isoformat())
    assert status(bill) == Clearing.Status.ACTIVATED
    call_command("check_ledger")


def test_day_by_day_over_a_weekend_and_a_missed_night(
    account, autopay_reference, django_capture_on_commit_callbacks
):
    # given: due Mon 4/6/2026 -> settles Mon 4/6, extracted Thu 4/2 (Fri 4/3 is Good Friday,
    # not a Federal Reserve holiday: one banking day before Mon is Fri 4/3)
    draft_enrollment(account)
    sa = account.agreements.get(sa_type__code="WATER")
    bill = bill_create(
        account=account,
        bill_date=dt.date(2026, 3, 16),
        due_date=dt.date(2026, 4, 6),
        segments={sa: D("80.00")},
    )
    with django_capture_on_commit_callbacks(execute=True):
        bill_complete(bill=bill)
    clearing = Clearing.objects.get(bill=bill)
    assert clearing.gl_distribution_on == dt.date(2026, 4, 6)
    assert clearing.extract_on == dt.date(2026, 4, 2)
    # when: the batch runs every day but skips the extract night itself
    day = dt.date(2026, 3, 28)  # a Saturday
    while day <= dt.date(2026, 4, 6):
        if day != dt.date(2026, 4, 2):
            nightly(day)
        expected = Clearing.Status.PENDING if day <= dt.date(2026, 4, 2) else "activated"
        assert status(bill) == expected, day
        day += dt.timedelta(days=1)
    # then: caught up the next night, posted once, dated as computed at the bill
    clearing.refresh_from_db()
    assert clearing.payment.accounting_date == dt.date(2026, 4, 6)
    assert clearing.payment.event.payment_date == dt.date(2026, 4, 2)
    assert Payment.objects.filter(event__tender_source__code="AUTOPAY").count() == 1
    call_command("check_ledger")
