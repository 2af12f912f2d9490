"""The file record, the duplicate refusal, the command and the inbox job."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from cis.batch import batch_run
from cis.models import BatchRun
from payments.exceptions import PaymentError
from payments.models import PaymentStaging, UploadFile
from payments.upload.intake import upload_file_import

from .conftest import DATA, sample

D = Decimal
DAY = dt.date(2026, 12, 1)


def test_file_record_keeps_size_hash_lines_and_money(our_accounts, django_user_model):
    data = sample("csv/remittance.csv")
    user = django_user_model.objects.create_user("sup")
    upload = upload_file_import(name="r.csv", data=data, format="csv", user=user, channel="screen")
    upload.refresh_from_db()
    assert upload.size == len(data) and upload.sha256 == hashlib.sha256(data).hexdigest()
    assert (upload.line_count, upload.payment_count, upload.total) == (5, 3, D("255.50"))
    assert (upload.received_by, upload.channel) == (user, "screen")


def test_the_same_file_twice_is_refused_naming_the_first_and_nothing_is_staged_twice(
    our_accounts,
):
    data = sample("csv/remittance.csv")
    first = upload_file_import(name="monday.csv", data=data, format="csv")
    # when: the same bytes again, under another name
    second = upload_file_import(name="monday-copy.csv", data=data, format="csv")
    # then
    assert second.status == UploadFile.Status.REJECTED
    assert f"identical bytes came in as 'monday.csv' (upload #{first.pk}" in (
        second.rejection_reason
    )
    assert "nothing was staged again" in second.rejection_reason
    assert PaymentStaging.objects.count() == 3
    assert not second.deposits.exists()


def test_a_rejected_file_may_be_imported_again_once_fixed(our_accounts):
    data = sample("csv/remittance.csv")
    upload_file_import(name="r.csv", data=data, format="csv", tender_source="NOSUCH")
    again = upload_file_import(name="r.csv", data=data, format="csv")
    assert again.status == UploadFile.Status.STAGED
    assert UploadFile.objects.get(status="rejected").rejection_reason == (
        "there is no tender source 'NOSUCH' (see Tender sources in the admin)"
    )


def test_unknown_format_is_refused(pay_ref):
    with pytest.raises(PaymentError, match="unknown upload format 'xls'"):
        upload_file_import(name="x", data=b"x", format="xls")


def test_binary_and_empty_files_are_rejected(pay_ref):
    assert (
        "not text" in upload_file_import(name="b", data=b"\x00\x01", format="csv").rejection_reason
    )
    assert upload_file_import(name="e", data=b"  \n", format="bai2").rejection_reason == (
        "the file is empty"
    )


def test_command_prints_what_it_staged(our_accounts, capsys):
    call_command("import_payments", str(DATA / "csv/remittance-bad-line.csv"), format="csv")
    out = capsys.readouterr().out
    assert "4 payment line(s) totalling $180.00" in out
    assert "pending: 2, in error: 2" in out
    assert "account not found (suspense): 1" in out
    assert "line 3: amount '12.3.4' is not a plain positive amount" in out


def test_command_refusal_exits_nonzero_with_the_reason(our_accounts):
    path = str(DATA / "csv/remittance.csv")
    call_command("import_payments", path, format="csv")
    with pytest.raises(CommandError, match="rejected: this file was already imported"):
        call_command("import_payments", path, format="csv")


def test_command_takes_a_tender_source(our_accounts, capsys):
    call_command(
        "import_payments", str(DATA / "csv/remittance.csv"), format="csv", tender_source="LOCKBOX"
    )
    assert "(CSV remittance, LOCKBOX)" in capsys.readouterr().out


def test_inbox_job_imports_each_file_and_moves_it_to_done_or_rejected(
    our_accounts, tmp_path, settings, django_capture_on_commit_callbacks
):
    # given: files by format subfolder and by extension
    settings.OPENCIS_PAYMENT_INBOX = tmp_path
    (tmp_path / "lockbox").mkdir()
    (tmp_path / "processor-csv").mkdir()
    (tmp_path / "lockbox" / "lb.dat").write_bytes(sample("lockbox/opencis-two-batches.bai"))
    (tmp_path / "processor-csv" / "nightly.csv").write_bytes(
        sample("processor/paymentus-nightly.csv")
    )
    (tmp_path / "bank.bai2").write_bytes(sample("bai2/opencis-lockbox-detail.bai2"))
    (tmp_path / "bad.csv").write_bytes(sample("csv/remittance-total-mismatch.csv"))
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "coming.csv.part").write_text("half")
    # when (files move once the staging committed)
    with django_capture_on_commit_callbacks(execute=True):
        run = batch_run(job_name="payment_files_import", business_date=DAY)
    # then
    assert run.status == BatchRun.Status.COMPLETE
    assert (run.done, run.skipped) == (3, 2)
    assert any("bad.csv: rejected: the TOTAL row says $300.00" in e for e in run.errors)
    assert any("notes.txt: rejected: no format" in e for e in run.errors)
    done = sorted(
        str(p.relative_to(tmp_path)) for p in (tmp_path / "done").rglob("*") if p.is_file()
    )
    assert done == ["done/bank.bai2", "done/lockbox/lb.dat", "done/processor-csv/nightly.csv"]
    rejected = sorted(p.name for p in (tmp_path / "rejected").rglob("*") if p.is_file())
    assert rejected == ["bad.csv", "notes.txt"]
    assert (tmp_path / "coming.csv.part").exists()
    formats = sorted(UploadFile.objects.filter(status="staged").values_list("format", flat=True))
    assert formats == ["bai2", "lockbox", "processor-csv"]
    assert set(UploadFile.objects.values_list("channel", flat=True)) == {"inbox"}


def test_inbox_file_already_imported_before_a_crash_is_moved_not_imported_again(
    our_accounts, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.OPENCIS_PAYMENT_INBOX = tmp_path
    data = sample("csv/remittance.csv")
    upload_file_import(name="r.csv", data=data, format="csv", channel="inbox")
    (tmp_path / "r.csv").write_bytes(data)  # the move never happened
    with django_capture_on_commit_callbacks(execute=True):
        run = batch_run(job_name="payment_files_import", business_date=DAY)
    assert run.status == BatchRun.Status.COMPLETE
    assert (tmp_path / "done" / "r.csv").exists()
    assert UploadFile.objects.count() == 1 and PaymentStaging.objects.count() == 3


def test_inbox_job_with_an_empty_inbox_does_nothing(pay_ref, tmp_path, settings):
    settings.OPENCIS_PAYMENT_INBOX = tmp_path / "missing"
    run = batch_run(job_name="payment_files_import", business_date=DAY)
    assert run.status == BatchRun.Status.COMPLETE and run.done == 0


def test_a_concurrent_import_of_the_same_bytes_is_refused_by_the_constraint(
    our_accounts, monkeypatch
):
    """Two imports that both saw no earlier file: the database's unique constraint stops
    the second, which is recorded as refused naming the first."""
    from payments.upload import intake

    data = sample("csv/remittance.csv")
    first = upload_file_import(name="a.csv", data=data, format="csv")
    real = intake._first_import
    calls = []

    def not_yet(sha256):  # the check ran before the other import committed
        calls.append(sha256)
        return None if len(calls) == 1 else real(sha256)

    monkeypatch.setattr(intake, "_first_import", not_yet)
    second = upload_file_import(name="b.csv", data=data, format="csv")
    assert second.status == UploadFile.Status.REJECTED
    assert f"as 'a.csv' (upload #{first.pk}" in second.rejection_reason
    assert PaymentStaging.objects.count() == 3


def test_command_names_a_file_it_cannot_read(pay_ref, tmp_path):
    with pytest.raises(CommandError, match="cannot read .*missing.csv"):
        call_command("import_payments", str(tmp_path / "missing.csv"), format="csv")
