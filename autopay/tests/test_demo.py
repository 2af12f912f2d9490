"""Demo autopays: `make run` shows drafts and cards whose details pass our own checks."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from stdnum.us import rtn

from accounts.models import Adjustment, ToDoEntry
from accounts.tests.factories import billed_sa
from autopay.demo import BANKS, demo_autopay, demo_autopay_clearings
from autopay.models import Clearing, Enrollment
from autopay.services.dates import is_banking_day
from cis.demo import DemoContext
from payments.models import Payment
from payments.processors import card_processor

from .factories import card_enrollment, draft_enrollment


def test_demo_banks_have_valid_routing_numbers():
    assert all(rtn.is_valid(number) for number, _ in BANKS)


@pytest.mark.django_db
def test_demo_autopays_are_valid_enrollments_and_the_step_runs_once(reference_data):
    from accounts.tests.factories import AccountFactory

    AccountFactory.create_batch(40)
    ctx = DemoContext(accounts=40, seed=7, as_of=dt.date(2026, 11, 2), log=lambda _: None)
    demo_autopay(ctx)
    made = list(Enrollment.objects.all())
    assert made and {e.kind for e in made} <= {"draft", "card"}
    for enrollment in made:
        enrollment.full_clean()
        if enrollment.kind == "draft":
            assert enrollment.bank_account_number.endswith(enrollment.bank_account_last4)
    demo_autopay(ctx)
    assert Enrollment.objects.count() == len(made)


@pytest.mark.django_db
def test_demo_clearings_show_every_state_and_a_returned_r01_with_its_nsf_fee(
    autopay_reference, django_capture_on_commit_callbacks
):
    """Step 46: a sample of the demo autopays get clearing records in every state a CSR
    meets, posted through the bulk path; one draft came back R01 and was charged the NSF
    fee; the ledger balances."""
    for n in range(14):
        sa = billed_sa(
            Decimal("80.00"), bill_date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 22)
        )
        (card_enrollment if n % 5 == 4 else draft_enrollment)(sa.account, notify_in_advance=True)
    ctx = DemoContext(accounts=14, seed=7, as_of=dt.date(2026, 11, 2), log=lambda _: None)
    with django_capture_on_commit_callbacks(execute=True):
        demo_autopay_clearings(ctx)
    clearings = list(Clearing.objects.select_related("payment", "tender__cancel_reason"))
    assert len(clearings) == Enrollment.objects.count()
    statuses = {c.status for c in clearings}
    assert {"pending", "frozen", "activated", "extracted"} <= statuses
    for clearing in clearings:
        # the bank moves money on banking days only: the jobs would send nothing else
        assert is_banking_day(clearing.extract_on) and is_banking_day(clearing.gl_distribution_on)
        if clearing.status in ("pending", "created"):
            assert clearing.payment is None
        else:
            assert clearing.payment.amount == clearing.amount
            assert clearing.payment.event.tender_source.code == "AUTOPAY"
            assert clearing.payment.event.external_id == f"AUTOPAY-{clearing.pk}"
            assert clearing.payment.accounting_date == clearing.gl_distribution_on
        if clearing.status in ("extracted", "returned"):
            assert len(clearing.trace_number) == 15 and clearing.trace_number.isdigit()
    returned = [c for c in clearings if c.status == "returned"]
    assert returned and all(c.return_code == "R01" for c in returned)
    for clearing in returned:
        assert clearing.payment.status == Payment.Status.CANCELLED
        assert clearing.tender.cancel_reason.is_nsf
        assert Adjustment.objects.filter(
            sa__account_id=clearing.account_id, adjustment_type__is_nsf_charge=True
        ).exists()
    told = [c for c in clearings if c.notice_due and c.status != "pending"]
    assert told and all(c.notice_sent_at and c.notice_via in ("email", "mail") for c in told)
    for clearing in told:  # no email on file: a To Do asks for the notice to be mailed
        todos = ToDoEntry.objects.filter(source=f"autopay.Clearing:{clearing.pk}")
        assert todos.exists() == (clearing.notice_via == "mail")
    expiring = Enrollment.objects.filter(card_expires_on=dt.date(2026, 11, 30))
    assert expiring.exists()
    for card in expiring:  # the sandbox agrees with the stored expiry
        assert (
            card_processor("sandbox").token_details(card.card_token).expires_on
            == card.card_expires_on
        )
    call_command("check_ledger", stdout=io.StringIO())
    demo_autopay_clearings(ctx)
    assert Clearing.objects.count() == len(clearings)
