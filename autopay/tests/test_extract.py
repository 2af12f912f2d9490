"""The ACH extract job (seed 001 steps 5.7-5.8): activated drafts into one NACHA PPD file
per originator and effective date, cards charged through the processor."""

import datetime as dt
import hashlib
from decimal import Decimal as D
from pathlib import Path

import achkit
import pytest
from achlens.core import validate as achlens_validate
from django.core.management import call_command
from django.core.management.base import CommandError
from django_fsm_log.models import StateLog

from accounts.models import ToDoEntry
from autopay.models import AchExtract, AchOriginator, Clearing, Enrollment
from autopay.nacha import nacha_file_read
from autopay.services import extract as extract_service
from cis.models import BatchRun
from payments.models import Payment, Tender
from payments.processors.sandbox import SandboxProcessor

from .extract_helpers import (
    EXTRACT_ON,
    SETTLES_ON,
    ach_files,
    activated,
    billed_account,
    run_extract,
)
from .factories import card_enrollment, clearing_posted, draft_enrollment


@pytest.fixture
def outbox(tmp_path, settings):
    settings.OPENCIS_ACH_OUTBOX = tmp_path / "outbox" / "ach"
    return settings.OPENCIS_ACH_OUTBOX


def entries_of(path: Path):
    return [e for b in nacha_file_read(path.read_bytes()).batches for e in b.entries]


def assert_independently_valid(text: str) -> None:
    assert achkit.validate(text) == {"ok": True, "errors": []}
    report = achlens_validate(text)
    problems = [f for f in report.findings if f.severity in ("error", "warning")]
    assert report.valid and problems == []


def test_the_extract_writes_one_nacha_file_with_an_entry_per_draft(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    # given: a checking and a savings draft settling the same day
    checking = activated(draft_enrollment(account, bank_account_number="000123456789"), "100.00")
    other = billed_account("Mario", "Núñez", "57.25")
    savings = activated(
        draft_enrollment(
            other,
            bank_account_type=Enrollment.BankAccountType.SAVINGS,
            routing_number="231380104",
            bank_account_number="98765-4321",
        ),
        "57.25",
    )
    # when
    output = run_extract(django_capture_on_commit_callbacks)
    # then: one file, named and recorded
    [path] = ach_files(outbox)
    assert path.name == "ACH_20260120_MAIN_20260122_A.ach"
    extract = AchExtract.objects.get()
    assert extract.file_path == str(path) and extract.file_id_modifier == "A"
    assert extract.entry_count == 2 and extract.total == D("157.25")
    assert f"wrote {path} (2 entries, $157.25)" in output
    text = path.read_text()
    assert all(len(line) == 94 for line in text.splitlines())
    assert len(text.splitlines()) % 10 == 0
    assert_independently_valid(text)
    ach = nacha_file_read(text)
    [batch] = ach.batches
    assert batch.sec_code == "PPD" and batch.effective_date == SETTLES_ON
    assert batch.service_class == 225 and batch.company_name == "OPENCIS UTILITY"
    checking.refresh_from_db()
    savings.refresh_from_db()
    first, second = batch.entries
    assert (first.transaction_code, first.amount, first.account_number.strip()) == (
        27,
        D("100.00"),
        "000123456789",
    )
    assert (first.individual_id.strip(), first.individual_name.strip()) == (
        account.number,
        "JANE Q. DOE",
    )
    assert (second.transaction_code, second.amount, second.account_number.strip()) == (
        37,
        D("57.25"),
        "98765-4321",
    )
    assert second.routing_number == "231380104" and second.individual_name.strip() == "MARIO NUNEZ"
    assert [first.trace_number, second.trace_number] == [
        checking.trace_number,
        savings.trace_number,
    ]
    assert checking.trace_number == "071000500000001"
    assert ach.total_debit_cents == 15725 and ach.total_credit_cents == 0
    assert ach.entry_hash == extract.entry_hash == 1100001 + 23138010
    # and the clearings went to the bank
    assert {checking.status, savings.status} == {Clearing.Status.EXTRACTED}
    assert checking.extract == savings.extract == extract
    assert StateLog.objects.filter(
        object_id=checking.pk, transition="mark_extracted", state="extracted"
    ).exists()
    assert extract.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert not list(outbox.glob(".*.part"))
    assert path.stat().st_mode & 0o777 == 0o600  # bank account numbers inside
    call_command("check_ledger")


def test_one_file_per_effective_date_however_the_run_is_chunked(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    # given: two drafts settling on the 22nd, one on the 23rd
    a = activated(draft_enrollment(account), "100.00")
    b = activated(draft_enrollment(billed_account("Ann", "Lee")), "20.00", dt.date(2026, 1, 23))
    c = activated(draft_enrollment(billed_account("Bo", "Kim")), "30.00")
    # when: one work item per chunk
    output = run_extract(django_capture_on_commit_callbacks, "--chunk-size", "1")
    # then
    first, second = ach_files(outbox)
    assert first.name == "ACH_20260120_MAIN_20260122_A.ach"
    assert second.name == "ACH_20260120_MAIN_20260123_B.ach"
    for clearing in (a, b, c):
        clearing.refresh_from_db()
    assert [e.trace_number for e in entries_of(first)] == [a.trace_number, c.trace_number]
    assert [e.trace_number for e in entries_of(second)] == [b.trace_number]
    assert len({a.trace_number, b.trace_number, c.trace_number}) == 3
    assert f"wrote {first} (2 entries, $130.00)" in output
    assert f"wrote {second} (1 entries, $20.00)" in output


@pytest.mark.parametrize("balanced", [False, True], ids=["debits-only", "with-offset"])
def test_a_re_presented_draft_goes_out_in_its_own_retry_pymt_batch(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks, balanced
):
    """NACHA rules: a re-presented entry carries the company entry description
    "RETRY PYMT". The extract puts re-presentments (presentment > 1) in a batch of their
    own in the same file; first presentments keep the originator's description. Batch and
    file totals, hashes and trace numbers stay right, with or without offset credits."""
    if balanced:
        originator = AchOriginator.objects.get(is_default=True)
        originator.offset_routing, originator.offset_account = "091000019", "555000111"
        originator.offset_account_type = "checking"
        originator.save(update_fields=["offset_routing", "offset_account", "offset_account_type"])
    # given: a draft returned earlier, presented again today, and a first presentment
    enrollment = draft_enrollment(account, bank_account_number="000123456789")
    returned = clearing_posted(
        enrollment,
        "40.00",
        extract_on=dt.date(2026, 1, 5),
        gl_distribution_on=dt.date(2026, 1, 7),
        status=Clearing.Status.RETURNED,
        trace_number="071000500000001",
    )
    retry = clearing_posted(
        enrollment,
        "40.00",
        extract_on=EXTRACT_ON,
        gl_distribution_on=SETTLES_ON,
        status=Clearing.Status.ACTIVATED,
        presentment=2,
        represents=returned,
    )
    other = billed_account("Ann", "Lee")
    first = activated(draft_enrollment(other, routing_number="231380104"), "100.00")
    # when
    run_extract(django_capture_on_commit_callbacks)
    # then: one file, two batches
    [path] = ach_files(outbox)
    text = path.read_text()
    assert_independently_valid(text)
    ach = nacha_file_read(text)
    originals, retries = ach.batches
    assert (originals.entry_description, retries.entry_description) == ("UTILITY", "RETRY PYMT")
    assert (originals.batch_number, retries.batch_number) == (1, 2)
    assert {originals.company_id, originals.effective_date} == {
        retries.company_id,
        retries.effective_date,
    }
    first.refresh_from_db()
    retry.refresh_from_db()
    debits = [e for e in originals.entries if e.transaction_code == 27]
    assert [e.trace_number for e in debits] == [first.trace_number]
    assert [(e.trace_number, e.amount) for e in retries.entries if e.transaction_code == 27] == [
        (retry.trace_number, D("40.00"))
    ]
    assert retries.entries[0].account_number.strip() == "000123456789"
    # traces continue after the last stored one, the offset credits' included
    assert first.trace_number == "071000500000003"
    assert retry.trace_number == ("071000500000005" if balanced else "071000500000004")
    # totals and hashes, per batch and for the file
    assert (originals.total_debit_cents, retries.total_debit_cents) == (10000, 4000)
    offset_hash = 9100001 if balanced else 0
    assert originals.entry_hash == 23138010 + offset_hash
    assert retries.entry_hash == 1100001 + offset_hash  # 011000015, the default bank
    assert ach.total_debit_cents == 14000
    assert ach.total_credit_cents == (14000 if balanced else 0)
    assert ach.entry_hash == originals.entry_hash + retries.entry_hash
    extract = AchExtract.objects.get()
    assert extract.entry_count == 2 and extract.total == D("140.00")
    assert extract.entry_hash == ach.entry_hash
    assert {first.status, retry.status} == {Clearing.Status.EXTRACTED}
    assert first.extract == retry.extract == extract
    call_command("check_ledger")


def test_a_file_of_first_presentments_only_has_no_retry_batch(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    activated(draft_enrollment(account), "100.00")
    run_extract(django_capture_on_commit_callbacks)
    [path] = ach_files(outbox)
    [batch] = nacha_file_read(path.read_text()).batches
    assert batch.entry_description == "UTILITY"


def test_a_re_run_of_the_date_writes_nothing_new(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    activated(draft_enrollment(account), "100.00")
    run_extract(django_capture_on_commit_callbacks)
    [path] = ach_files(outbox)
    content = path.read_bytes()
    # when: run again, and forced
    run_extract(django_capture_on_commit_callbacks)
    run_extract(django_capture_on_commit_callbacks, "--force")
    # then
    assert ach_files(outbox) == [path] and path.read_bytes() == content
    assert AchExtract.objects.count() == 1


def test_a_later_file_on_the_same_day_takes_the_next_modifier_and_new_traces(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    first = activated(draft_enrollment(account), "100.00")
    run_extract(django_capture_on_commit_callbacks)
    # given: a CSR activated one more draft after the run
    late = activated(draft_enrollment(billed_account("Cy", "Day")), "10.00")
    # when
    run_extract(django_capture_on_commit_callbacks, "--force")
    # then
    assert [p.name[-6:] for p in ach_files(outbox)] == ["_A.ach", "_B.ach"]
    first.refresh_from_db()
    late.refresh_from_db()
    assert late.trace_number > first.trace_number
    assert_independently_valid(ach_files(outbox)[1].read_text())


def test_a_balanced_file_carries_the_offset_credit_when_the_originator_has_one(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    AchOriginator.objects.filter(is_default=True).update(
        offset_routing="091000019", offset_account_type="checking"
    )
    originator = AchOriginator.objects.get(is_default=True)
    originator.offset_account = "555000111"
    originator.save(update_fields=["offset_account"])
    activated(draft_enrollment(account), "100.00")
    activated(draft_enrollment(billed_account("Di", "Eve")), "25.50")
    # when
    run_extract(django_capture_on_commit_callbacks)
    # then
    [path] = ach_files(outbox)
    text = path.read_text()
    assert_independently_valid(text)
    [batch] = nacha_file_read(text).batches
    assert batch.service_class == 200
    offset = batch.entries[-1]
    assert (offset.transaction_code, offset.amount, offset.account_number.strip()) == (
        22,
        D("125.50"),
        "555000111",
    )
    assert batch.total_debit_cents == batch.total_credit_cents == 12550
    extract = AchExtract.objects.get()
    assert extract.entry_count == 2 and extract.total == D("125.50")


def test_an_offset_account_that_cannot_be_written_fails_the_run_without_naming_it(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    originator = AchOriginator.objects.get(is_default=True)
    originator.offset_routing, originator.offset_account = "091000019", "55500011122233344455"
    originator.save(update_fields=["offset_routing", "offset_account"])
    clearing = activated(draft_enrollment(account), "100.00")
    # when
    with pytest.raises(CommandError):
        run_extract(django_capture_on_commit_callbacks)
    # then
    [error] = BatchRun.objects.get(job="autopay_extract_ach").errors
    assert "originator MAIN" in error and "offset account number" in error
    assert "55500011122233344455" not in error
    clearing.refresh_from_db()
    assert clearing.status == Clearing.Status.ACTIVATED and ach_files(outbox) == []


def test_a_crash_after_the_file_is_written_leaves_one_file_with_every_entry_after_the_rerun(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks, monkeypatch
):
    a = activated(draft_enrollment(account), "100.00")
    b = activated(draft_enrollment(billed_account("Ed", "Fox")), "40.00")
    real = extract_service._clearings_mark_extracted

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    # given: the run dies once the file is written, before its transaction commits
    monkeypatch.setattr(extract_service, "_clearings_mark_extracted", crash)
    with pytest.raises(CommandError):
        run_extract(django_capture_on_commit_callbacks)
    assert ach_files(outbox) == [] and AchExtract.objects.count() == 0
    a.refresh_from_db()
    assert a.status == Clearing.Status.ACTIVATED and a.trace_number == ""
    # when: the run is started again
    monkeypatch.setattr(extract_service, "_clearings_mark_extracted", real)
    run_extract(django_capture_on_commit_callbacks)
    # then: exactly one file, with both entries, and nothing half written left behind
    [path] = ach_files(outbox)
    assert [p.name for p in outbox.iterdir()] == [path.name]
    a.refresh_from_db()
    b.refresh_from_db()
    assert [(e.trace_number, e.amount) for e in entries_of(path)] == [
        (a.trace_number, D("100.00")),
        (b.trace_number, D("40.00")),
    ]
    assert AchExtract.objects.get().file_path == str(path)


def test_a_draft_whose_bank_account_cannot_be_written_is_left_out_without_naming_it(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    good = activated(draft_enrollment(account), "100.00")
    bad = activated(
        draft_enrollment(billed_account("Flo", "Gee"), bank_account_number="1234567890123456789"),
        "5.00",
    )
    # when
    run_extract(django_capture_on_commit_callbacks)
    # then
    [path] = ach_files(outbox)
    assert [e.amount for e in entries_of(path)] == [D("100.00")]
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == Clearing.Status.ACTIVATED and good.status == Clearing.Status.EXTRACTED
    [error] = BatchRun.objects.get(job="autopay_extract_ach").errors
    assert f"autopay {bad.pk}" in error and "bank account number" in error
    assert "1234567890123456789" not in error


def test_an_approved_card_is_charged_and_extracted_without_a_file(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks
):
    clearing = activated(card_enrollment(account), "100.00")
    # when
    output = run_extract(django_capture_on_commit_callbacks)
    # then
    clearing.refresh_from_db()
    assert clearing.status == Clearing.Status.EXTRACTED
    assert clearing.charge_reference.startswith("sbx_txn_")
    extract = AchExtract.objects.get()
    assert extract.kind == Enrollment.Kind.CARD and extract.file_path == ""
    assert (extract.entry_count, extract.total, extract.effective_on) == (
        1,
        D("100.00"),
        SETTLES_ON,
    )
    assert clearing.extract == extract
    assert "charged cards effective 2026-01-22 (1 entries, $100.00)" in output
    assert not outbox.exists() or ach_files(outbox) == []
    call_command("check_ledger")


@pytest.mark.parametrize(
    "token, code",
    [("sbx_decline_visa_0002_1230", "declined"), ("sbx_expired_visa_0069_1230", "expired")],
)
def test_a_refused_card_cancels_the_payment_and_asks_a_csr(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks, token, code
):
    clearing = activated(
        card_enrollment(account, card_token=token, card_last4=token.split("_")[3]), "100.00"
    )
    account.refresh_from_db()
    assert account.balance == D("0.00")
    # when
    run_extract(django_capture_on_commit_callbacks)
    # then: the tender is cancelled (CARDDECL), the debt is back, a To Do waits
    clearing.refresh_from_db()
    assert clearing.status == Clearing.Status.CANCELLED
    assert clearing.charge_reference.startswith(code) and clearing.extract is None
    tender = Tender.objects.get(pk=clearing.tender_id)
    assert tender.status == Tender.Status.CANCELLED and tender.cancel_reason.code == "CARDDECL"
    assert Payment.objects.get(pk=clearing.payment_id).status == Payment.Status.CANCELLED
    account.refresh_from_db()
    assert account.balance == D("100.00")
    todo = ToDoEntry.objects.get(source=f"autopay.Clearing:{clearing.pk}")
    assert todo.account_id == account.pk and code in todo.subject
    assert AchExtract.objects.count() == 0
    call_command("check_ledger")


def test_a_card_is_never_charged_twice_even_after_a_crash(
    account, autopay_reference, outbox, django_capture_on_commit_callbacks, monkeypatch
):
    from autopay.services import charges

    clearing = activated(card_enrollment(account), "100.00")
    keys = []
    real_charge = SandboxProcessor.charge

    def counting_charge(self, **kwargs):
        keys.append(kwargs["idempotency_key"])
        return real_charge(self, **kwargs)

    monkeypatch.setattr(SandboxProcessor, "charge", counting_charge)
    real_record = charges._record_approved

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    # given: the processor charged, then the run died before its commit
    monkeypatch.setattr(charges, "_record_approved", crash)
    with pytest.raises(CommandError):
        run_extract(django_capture_on_commit_callbacks)
    monkeypatch.setattr(charges, "_record_approved", real_record)
    # when: the run is resumed, then forced again
    run_extract(django_capture_on_commit_callbacks)
    run_extract(django_capture_on_commit_callbacks, "--force")
    # then: the retry asked with the same key (the processor answers the first charge)
    assert keys == [f"AUTOPAY-{clearing.pk}", f"AUTOPAY-{clearing.pk}"]
    clearing.refresh_from_db()
    assert clearing.status == Clearing.Status.EXTRACTED
    assert AchExtract.objects.get().entry_count == 1
