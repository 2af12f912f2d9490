"""Our files checked outside the project (issue 10: "write them to the standard, not to
our own reader"): two NACHA validators written by others, neither sharing code with us.

- achlens (PyPI, Apache-2.0): a rule-based NACHA validator (structure, headers, entry
  fields, addenda, controls), run as its own command-line program in its own process.
- achkit (PyPI, MIT): an independent parser and reconciliation validator (ABA check
  digits, entry hash, batch and file control totals, blocking); its parser also reads
  our entries back.
"""

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import achkit
from achlens.core import validate as achlens_validate
from hypothesis import given, settings

from autopay.nacha import AccountType, OffsetAccount, nacha_file_write

from .conftest import DATA, batch, entry, header
from .strategies import batch_lists, file_headers


def _sample_file() -> str:
    debits = [
        entry(individual_name="José Ñúñez", addenda="INVOICE 1001"),
        entry(account_type=AccountType.SAVINGS, routing_number="231380104", amount=Decimal("9.99")),
    ]
    offset = OffsetAccount(routing_number="091000019", account_number="555000111")
    return nacha_file_write(
        header=header(),
        batches=[
            batch(debits, effective_date=date(2026, 12, 4)),
            batch(debits, effective_date=date(2026, 12, 7), offset=offset),
        ],
    ).text


def _achlens_cli(path: Path) -> tuple[int, dict]:
    run = subprocess.run(
        [sys.executable, "-m", "achlens.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run.returncode, json.loads(run.stdout)


def _problems(report) -> list[str]:
    return [
        f"{f.rule_id} line {f.line_number}: {f.message}"
        for f in report.findings
        if f.severity in ("error", "warning")
    ]


def test_achlens_command_finds_nothing_wrong_in_our_file(tmp_path):
    # given
    path = tmp_path / "autopay.ach"
    path.write_text(_sample_file())
    # when
    code, report = _achlens_cli(path)
    # then
    assert code == 0
    assert report["valid"] is True
    assert report["counts"].get("error", 0) == report["counts"].get("warning", 0) == 0
    assert report["summary"] == {
        "line_count": 20,
        "batch_count": 2,
        "entry_count": 5,
        "addenda_count": 2,
    }


def test_achlens_command_rejects_a_file_with_a_wrong_entry_hash(tmp_path):
    """The check can fail: one digit of a batch control's hash changed is found."""
    # given
    lines = _sample_file().splitlines()
    control = next(i for i, line in enumerate(lines) if line.startswith("8"))
    lines[control] = lines[control][:19] + "9" + lines[control][20:]
    path = tmp_path / "broken.ach"
    path.write_text("\n".join(lines) + "\n")
    # when
    code, report = _achlens_cli(path)
    # then
    assert code == 1 and report["valid"] is False
    assert any(f["line_number"] == control + 1 for f in report["findings"])


def test_achkit_validates_our_file_and_reads_back_our_entries():
    # given
    text = _sample_file()
    # when
    result = achkit.validate(text)
    parsed = achkit.parse(text)
    # then
    assert result == {"ok": True, "errors": []}
    first, second = parsed["batches"]
    assert [e["txn_code"] for e in second["entries"]] == [27, 37, 22]
    assert [e["amount_cents"] for e in second["entries"]] == [4210, 999, 5209]
    assert first["entries"][0]["name"] == "JOSE NUNEZ"
    assert first["entries"][0]["id_number"] == "1000000001"
    assert first["entries"][0]["addenda"][0]["info"] == "INVOICE 1001"
    assert second["control"]["total_credit"] == second["control"]["total_debit"] == 5209


def test_achkit_rejects_a_file_whose_totals_disagree():
    lines = _sample_file().splitlines()
    file_control = next(i for i, line in enumerate(lines) if line.startswith("90"))
    lines[file_control] = lines[file_control][:42] + "1" + lines[file_control][43:]
    codes = {e["code"] for e in achkit.validate("\n".join(lines))["errors"]}
    assert codes == {"BAD_FILE_DEBIT"}


def test_both_validators_accept_a_real_valid_debit_file():
    """The validators agree with a real sample (so their pass means something). Return
    files are not checked: achlens knows only origination codes."""
    text = (DATA / "moov-ppd-debit-valid.ach").read_text()
    assert achkit.validate(text)["ok"]
    assert achlens_validate(text).valid


@settings(max_examples=60, deadline=None)
@given(header=file_headers, batches=batch_lists)
def test_any_file_we_write_passes_both_independent_validators(header, batches):
    # when
    text = nacha_file_write(header=header, batches=batches).text
    # then
    report = achlens_validate(text)
    assert _problems(report) == []
    assert report.valid
    assert achkit.validate(text) == {"ok": True, "errors": []}
