"""A CSR's autopay payments by hand (seed 001 steps 3.1-4.9): create now (default or
overridden amount), freeze step by step, redistribute and delete before the extract."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from accounts.models import SAType
from accounts.tests.factories import ServiceAgreementFactory
from autopay.models import Clearing
from autopay.services.manual import (
    clearing_create_manual,
    clearing_default_amount,
    clearing_delete,
    clearing_freeze,
    clearing_redistribute,
)
from cis.batch import batch_run
from payments.models import Payment, Tender

from .factories import draft_enrollment

TODAY = dt.date(2026, 1, 12)  # a Monday; the fixture's $100 bill is due Thu 1/22


@pytest.fixture
def enrolled(account, autopay_reference):
    draft_enrollment(account)
    return account


def test_a_csr_creates_an_autopay_now_with_the_default_amount_and_it_is_frozen(enrolled, csr):
    assert clearing_default_amount(account=enrolled, today=TODAY) == D("100.00")
    clearing = clearing_create_manual(account=enrolled, user=csr, today=TODAY)
    assert clearing.status == Clearing.Status.FROZEN
    assert clearing.amount == D("100.00")
    assert clearing.bill_id is None
    assert clearing.created_by == csr
    # due Thu 1/22: settles then, extracted Tue 1/20 (Mon 1/19 is MLK day: no matter)
    assert clearing.gl_distribution_on == dt.date(2026, 1, 22)
    assert clearing.extract_on == dt.date(2026, 1, 20)
    assert clearing.payment.status == Payment.Status.FROZEN
    assert clearing.payment.event.external_id == f"AUTOPAY-{clearing.pk}"
    enrolled.refresh_from_db()
    assert enrolled.balance == D("0.00")
    call_command("check_ledger")


def test_the_csr_may_override_the_amount(enrolled, csr):
    clearing = clearing_create_manual(account=enrolled, user=csr, today=TODAY, amount=D("40"))
    assert clearing.amount == D("40.00")
    enrolled.refresh_from_db()
    assert enrolled.balance == D("60.00")


def test_a_manual_amount_is_not_cut_to_the_maximum_withdrawal(enrolled, csr, settings):
    settings.OPENCIS_AUTOPAY_MAX_WITHDRAWAL = "50.00"
    clearing = clearing_create_manual(account=enrolled, user=csr, today=TODAY)
    assert clearing.amount == D("100.00")
    assert clearing.reduced_from is None


def test_step_by_step_the_csr_creates_then_freezes(enrolled, csr):
    clearing = clearing_create_manual(account=enrolled, user=csr, today=TODAY, freeze=False)
    assert clearing.status == Clearing.Status.CREATED
    assert clearing.payment_id is None
    frozen = clearing_freeze(clearing=clearing, user=csr)
    assert frozen.status == Clearing.Status.FROZEN
    assert frozen.payment.status == Payment.Status.FROZEN
    with pytest.raises(ValidationError):
        clearing_freeze(clearing=frozen, user=csr)  # frozen once
    call_command("check_ledger")


def test_no_running_autopay_no_manual_autopay(account, autopay_reference, csr):
    with pytest.raises(ValidationError):
        clearing_create_manual(account=account, user=csr, today=TODAY)


def test_a_do_not_accept_customer_gets_no_manual_autopay(enrolled, csr):
    enrolled.customer.do_not_accept_payments = True
    enrolled.customer.save(update_fields=["do_not_accept_payments"])
    with pytest.raises(ValidationError, match="does not accept payments"):
        clearing_create_manual(account=enrolled, user=csr, today=TODAY)
    assert not Clearing.objects.exists()


def test_a_user_without_permission_is_refused(enrolled):
    nobody = User.objects.create_user("nobody")
    with pytest.raises(PermissionDenied):
        clearing_create_manual(account=enrolled, user=nobody, today=TODAY)


def test_deleting_a_frozen_autopay_cancels_tender_payment_and_record(enrolled, csr):
    clearing = clearing_create_manual(account=enrolled, user=csr, today=TODAY)
    deleted = clearing_delete(clearing=clearing, user=csr, comment="customer paid at the window")
    assert deleted.status == Clearing.Status.CANCELLED
    assert deleted.cancel_comment == "customer paid at the window"
    assert Tender.objects.get(pk=clearing.tender_id).status == Tender.Status.CANCELLED
    assert Payment.objects.get(pk=clearing.payment_id).status == Payment.Status.CANCELLED
    enrolled.refresh_from_db()
    assert enrolled.balance == D("100.00")
    # nothing left for the jobs on the extract date
    for job in ("autopay_create", "autopay_distribute_freeze", "autopay_activate"):
        assert batch_run(job_name=job, business_date=clearing.extract_on).total == 0
    call_command("check_ledger")


def test_deleting_a_created_autopay_needs_no_payment_cancel(enrolled, csr):
    clearing = clearing_create_manual(account=enrolled, user=csr, today=TODAY, freeze=False)
    deleted = clearing_delete(clearing=clearing, user=csr, comment="keyed twice")
    assert deleted.status == Clearing.Status.CANCELLED
    assert not Payment.objects.exists()


def test_an_extracted_autopay_cannot_be_deleted_nor_redistributed(enrolled, csr):
    clearing = clearing_create_manual(account=enrolled, user=csr, today=TODAY)
    Clearing.objects.filter(pk=clearing.pk).update(status=Clearing.Status.EXTRACTED)
    with pytest.raises(ValidationError):
        clearing_delete(clearing=clearing, user=csr, comment="too late")
    with pytest.raises(ValidationError):
        clearing_redistribute(clearing=clearing, user=csr)


def test_a_delete_says_why(enrolled, csr):
    clearing = clearing_create_manual(account=enrolled, user=csr, today=TODAY)
    with pytest.raises(ValidationError):
        clearing_delete(clearing=clearing, user=csr, comment=" ")


def test_redistribution_pays_the_same_tender_again_by_the_csr_amounts(enrolled, csr):
    # given: water owes 100, a sewer SA owes 50
    sewer = ServiceAgreementFactory(account=enrolled, sa_type=SAType.objects.get(code="SEWER"))
    from accounts.services.bills import bill_complete, bill_create

    bill = bill_create(
        account=enrolled, bill_date=TODAY, due_date=dt.date(2026, 1, 30), segments={sewer: D(50)}
    )
    bill_complete(bill=bill)
    clearing = clearing_create_manual(account=enrolled, user=csr, today=TODAY, amount=D("100"))
    water = enrolled.agreements.get(sa_type__code="WATER")
    old_payment = clearing.payment
    # when: the customer wants the sewer paid in full
    again = clearing_redistribute(
        clearing=clearing, user=csr, sa_amounts={sewer: D("50.00"), water: D("50.00")}
    )
    # then
    assert again.status == Clearing.Status.FROZEN
    assert again.tender_id == clearing.tender_id
    assert again.payment_id != old_payment.pk
    assert Payment.objects.get(pk=old_payment.pk).status == Payment.Status.CANCELLED
    new = again.payment
    assert new.status == Payment.Status.FROZEN
    assert new.amount == D("100.00")
    assert new.accounting_date == clearing.gl_distribution_on
    assert {s.sa_id: s.amount for s in new.segments.all()} == {
        sewer.pk: D("50.00"),
        water.pk: D("50.00"),
    }
    sewer.refresh_from_db()
    assert sewer.balance == D("0.00")
    call_command("check_ledger")
