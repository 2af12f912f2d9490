"""The balance controls job (seed 001 steps 5.9-6.1): a deposit control and an AUTOPAY
tender control per extract, holding its tenders, balanced."""

import os
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from autopay.models import AchExtract, Enrollment
from payments.models import ControlStatus, DepositControl, Tender, TenderControl

from .extract_helpers import ach_files, activated, billed_account, run_extract, run_job
from .factories import card_enrollment, draft_enrollment


@pytest.fixture
def outbox(tmp_path, settings):
    settings.OPENCIS_ACH_OUTBOX = tmp_path / "outbox" / "ach"
    return settings.OPENCIS_ACH_OUTBOX


def run_controls(capture, *args: str) -> str:
    return run_job(capture, "autopay_balance_controls", *args)


def test_every_extract_gets_balanced_deposit_and_tender_controls_holding_its_tenders(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    # given: an ACH file of two drafts and one card charge
    drafts = [
        activated(draft_enrollment(account), "100.00"),
        activated(draft_enrollment(billed_account("Gus", "Hay")), "33.10"),
    ]
    card = activated(card_enrollment(billed_account("Ida", "Jo", "45.00")), "45.00")
    run_extract(django_capture_on_commit_callbacks)
    # when
    output = run_controls(django_capture_on_commit_callbacks)
    # then
    ach = AchExtract.objects.get(kind=Enrollment.Kind.DRAFT)
    cards = AchExtract.objects.get(kind=Enrollment.Kind.CARD)
    for extract, clearings, count, total in (
        (ach, drafts, 2, D("133.10")),
        (cards, [card], 1, D("45.00")),
    ):
        control = TenderControl.objects.get(pk=extract.tender_control_id)
        assert control.tender_source.code == "AUTOPAY"
        assert control.status == ControlStatus.BALANCED
        assert (control.expected_count, control.expected_total) == (count, total)
        deposit = DepositControl.objects.get(pk=control.deposit_control_id)
        assert deposit.status == ControlStatus.BALANCED
        assert (deposit.expected_count, deposit.expected_total) == (count, total)
        assert deposit.deposit_date == extract.effective_on
        assert set(Tender.objects.filter(tender_control=control).values_list("pk", flat=True)) == {
            c.tender_id for c in clearings
        }
        assert f"tender control {control.pk} balanced" in output
    call_command("check_ledger")


def test_controls_are_created_once_however_often_the_job_runs(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    activated(draft_enrollment(account), "100.00")
    run_extract(django_capture_on_commit_callbacks)
    run_controls(django_capture_on_commit_callbacks)
    # when
    run_controls(django_capture_on_commit_callbacks)
    run_controls(django_capture_on_commit_callbacks, "--force")
    # then
    assert TenderControl.objects.count() == DepositControl.objects.count() == 1
    call_command("check_ledger")


def test_a_file_whose_rename_was_lost_is_published_before_its_controls(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    """A crash between the extract's commit and the rename leaves the temporary file:
    the controls job puts it in place (same content, as recorded) and balances."""
    activated(draft_enrollment(account), "100.00")
    run_extract(django_capture_on_commit_callbacks)
    [path] = ach_files(outbox)
    content = path.read_bytes()
    os.replace(path, path.with_name(f".{path.name}.part"))
    # when
    run_controls(django_capture_on_commit_callbacks)
    # then
    assert ach_files(outbox) == [path] and path.read_bytes() == content
    extract = AchExtract.objects.get()
    assert extract.tender_control.status == ControlStatus.BALANCED


def test_a_missing_file_fails_the_controls_job_and_leaves_the_extract_to_do(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    activated(draft_enrollment(account), "100.00")
    run_extract(django_capture_on_commit_callbacks)
    [path] = ach_files(outbox)
    path.unlink()
    # when
    with pytest.raises(CommandError, match="failed"):
        run_controls(django_capture_on_commit_callbacks)
    # then
    assert AchExtract.objects.get().tender_control_id is None
    assert not TenderControl.objects.exists()
