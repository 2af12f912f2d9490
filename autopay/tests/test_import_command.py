"""`import_ach_returns FILE` and the `ach_returns_import` inbox job."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from autopay.models import AchInboundEntry, AchInboundFile, Clearing
from cis.batch import batch_run
from cis.models import BatchRun

from .achfiles import back, noc_file, return_file, sample
from .factories import clearing_posted, draft_enrollment

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 2, 3)


def extracted(enrollment, trace, amount="100.00"):
    return clearing_posted(
        enrollment,
        amount,
        extract_on=dt.date(2026, 1, 20),
        gl_distribution_on=dt.date(2026, 1, 22),
        status=Clearing.Status.EXTRACTED,
        trace_number=trace,
    )


def run_command(path, *args) -> str:
    out = StringIO()
    call_command("import_ach_returns", str(path), *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_what_it_did_and_says_so_when_the_file_comes_again(
    account, autopay_reference, tmp_path, django_capture_on_commit_callbacks
):
    enrollment = draft_enrollment(account)
    nsf = extracted(enrollment, "071000500000001", "60.00")
    unknown = back(nsf, "R01")
    unknown = type(unknown)(trace="071000500000099", code="R03", amount=unknown.amount)
    path = tmp_path / "ret.ach"
    path.write_bytes(return_file([back(nsf, "R01"), unknown]))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        out = run_command(path, "--date", DAY.isoformat())
    # then
    assert (
        "ret.ach: 1 returns applied, 1 re-presentments, 0 autopay stops, 0 NOCs applied, "
        "1 exceptions (To Do), 0 duplicates"
    ) in out
    again = run_command(path, "--date", DAY.isoformat())
    assert "already imported" in again and "nothing changed" in again
    assert Clearing.objects.filter(represents=nsf).count() == 1
    call_command("check_ledger")


def test_the_command_reports_nocs(account, autopay_reference, tmp_path):
    clearing = extracted(draft_enrollment(account), "071000500000001")
    path = tmp_path / "noc.ach"
    path.write_bytes(noc_file([back(clearing, "C02", corrected="091000019")]))
    assert "1 NOCs applied" in run_command(path)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("moov-noc-C92-invalid.ach", "line 4: change code 'C92' is not a NACHA change code"),
        ("moov-return-R97-nonstandard.ach", "line 4: return reason code 'R97' is not a NACHA code"),
    ],
)
def test_a_malformed_file_is_rejected_naming_the_line_and_nothing_is_applied(
    autopay_reference, tmp_path, name, message
):
    path = tmp_path / name
    path.write_bytes(sample(name))
    with pytest.raises(CommandError) as raised:
        run_command(path)
    assert f"{name}: rejected, nothing applied: {message}" in str(raised.value)
    assert not AchInboundFile.objects.exists() and not AchInboundEntry.objects.exists()


def test_a_broken_control_total_rejects_our_own_file_too(account, autopay_reference, tmp_path):
    clearing = extracted(draft_enrollment(account), "071000500000001")
    lines = return_file([back(clearing, "R01")]).decode().splitlines()
    lines[2] = lines[2][:29] + "0000009999" + lines[2][39:]  # the entry's amount changed
    path = tmp_path / "tampered.ach"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError) as raised:
        run_command(path)
    assert "line 5: batch control total debit" in str(raised.value)
    clearing.refresh_from_db()
    assert clearing.status == "extracted"


def test_the_inbox_job_applies_each_file_and_moves_it_to_done_or_rejected(
    account, autopay_reference, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.OPENCIS_ACH_INBOX = tmp_path
    clearing = extracted(draft_enrollment(account), "071000500000001")
    (tmp_path / "r1.ach").write_bytes(return_file([back(clearing, "R02")]))
    (tmp_path / "c92.ach").write_bytes(sample("moov-noc-C92-invalid.ach"))
    (tmp_path / "empty.ach").write_bytes(sample("moov-fiserv-zero-return-file.ach"))
    (tmp_path / "coming.ach.part").write_text("half")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        run = batch_run(job_name="ach_returns_import", business_date=DAY)
    # then
    assert run.status == BatchRun.Status.COMPLETE
    assert (run.done, run.skipped) == (2, 1)
    assert any("c92.ach: rejected: line 4: change code 'C92'" in e for e in run.errors)
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["empty.ach", "r1.ach"]
    assert [p.name for p in (tmp_path / "rejected").iterdir()] == ["c92.ach"]
    assert (tmp_path / "coming.ach.part").exists()
    clearing.refresh_from_db()
    assert (clearing.status, clearing.returned_on) == ("returned", DAY)
    # a re-run finds nothing to do
    with django_capture_on_commit_callbacks(execute=True):
        again = batch_run(job_name="ach_returns_import", business_date=DAY, force=True)
    assert again.done == run.done  # the same run, nothing more done
    assert AchInboundFile.objects.count() == 2
    call_command("check_ledger")


def test_the_inbox_job_with_no_inbox_does_nothing(autopay_reference, tmp_path, settings):
    settings.OPENCIS_ACH_INBOX = tmp_path / "missing"
    run = batch_run(job_name="ach_returns_import", business_date=DAY)
    assert run.status == BatchRun.Status.COMPLETE and run.done == 0
