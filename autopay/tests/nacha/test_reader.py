"""The NACHA reader: real bank files read or refused naming the line; every control
checked; returns (addenda 99) and notifications of change (addenda 98) parsed."""

from datetime import date
from decimal import Decimal

import pytest

from autopay.nacha import NachaFormatError, nacha_file_read, nacha_file_write

from .conftest import DATA, batch, entry, header

# Real files (tests/data/README.md): None reads; a string is the refusal, which names a line.
REAL_FILES = {
    "moov-ppd-debit-valid.ach": None,
    "moov-return-WEB-R01-R03.ach": None,
    "moov-cor-C01.ach": None,
    "moov-issue702-realworld-returns.ach": "line 1: record is 91 characters long",
    "moov-fiserv-zero-return-file.ach": "line 1: record is 69 characters long",
    "moov-return-R97-nonstandard.ach": "line 1: record is 74 characters long",
    "moov-noc-C92-invalid.ach": "line 4: change code 'C92' is not a NACHA change code",
}
# Read leniently (short records padded), as the returns import reads bank files.
REAL_FILES_LENIENT = REAL_FILES | {
    "moov-issue702-realworld-returns.ach": None,
    "moov-fiserv-zero-return-file.ach": None,
    "moov-return-R97-nonstandard.ach": "line 4: return reason code 'R97' is not a NACHA code",
}


@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_every_real_file_reads_or_is_refused_naming_the_line(ach_sample, name, lenient):
    expected = (REAL_FILES_LENIENT if lenient else REAL_FILES)[name]
    if expected is None:
        ach = nacha_file_read(ach_sample(name), lenient=lenient)
        assert ach.line_count % 10 == 0
    else:
        with pytest.raises(NachaFormatError) as raised:
            nacha_file_read(ach_sample(name), lenient=lenient)
        assert str(raised.value).startswith(expected)
        assert raised.value.line is not None


def test_all_real_files_are_covered():
    assert {p.name for p in DATA.glob("*.ach")} == set(REAL_FILES)


def test_real_ppd_debit_file_reads_its_entry_and_controls(ach_sample):
    # when
    ach = nacha_file_read(ach_sample("moov-ppd-debit-valid.ach"))
    # then
    assert ach.immediate_destination == "031300012"
    (only,) = ach.batches
    assert (only.service_class, only.sec_code, only.company_id) == (225, "PPD", "231380104")
    assert only.effective_date == date(2019, 8, 16)
    (debit,) = only.entries
    assert debit.line == 3 and debit.transaction_code == 27 and debit.is_debit
    assert (debit.routing_number, debit.account_number) == ("231380104", "123456789")
    assert debit.amount == Decimal("2000000.00")
    assert debit.individual_name == "Debit Account"
    assert debit.trace_number == "121042880000001"
    assert (ach.entry_hash, ach.total_debit_cents, ach.total_credit_cents) == (
        23138010,
        200000000,
        0,
    )


def test_real_return_file_gives_each_return_with_code_original_trace_and_our_reference(ach_sample):
    # when
    returns = nacha_file_read(ach_sample("moov-return-WEB-R01-R03.ach")).returns()
    # then
    assert [(r.line, r.addenda.line) for r in returns] == [(3, 4), (7, 8)]
    first, second = returns
    assert first.addenda.reason_code == "R01" and first.addenda.reason == "Insufficient funds"
    assert first.addenda.original_trace_number == "091400600000001"
    assert first.addenda.original_rdfi == "09100001"
    assert first.addenda.date_of_death is None
    assert first.addenda.trace_number == "091000017611242"
    assert (first.individual_id, first.amount, first.transaction_code) == (
        "MjMxNDAwMjAtOGQ",
        Decimal("123.54"),
        26,
    )
    assert second.addenda.reason_code == "R03" and second.amount == Decimal("45.65")
    assert second.account_number == "867530999999"


def test_real_noc_file_gives_the_corrected_account_number_and_warns_of_the_odd_trace(ach_sample):
    # when
    ach = nacha_file_read(ach_sample("moov-cor-C01.ach"))
    # then
    (change,) = ach.changes()
    assert change.addenda.change_code == "C01"
    assert change.addenda.corrected.account_number == "1918171614"
    assert change.addenda.corrected.routing_number is None
    assert change.addenda.original_trace_number == "121042880000001"
    assert (change.account_number, change.individual_id) == ("744-5678-99", "location #23")
    assert ach.warnings == [
        "line 4: addenda trace number '091012980000088' is not its entry's "
        "'121042880000001' (line 3)"
    ]


def test_real_returns_with_short_header_read_leniently_with_warnings(ach_sample):
    # when
    ach = nacha_file_read(ach_sample("moov-issue702-realworld-returns.ach"), lenient=True)
    # then
    assert [r.addenda.reason_code for r in ach.returns()] == ["R04", "R03", "R01"]
    assert [r.amount for r in ach.returns()] == [
        Decimal("1.02"),
        Decimal("1.01"),
        Decimal("100.01"),
    ]
    assert "line 1: record was 91 characters, padded to 94" in ach.warnings


def test_real_empty_return_file_reads_leniently_as_no_batches(ach_sample):
    ach = nacha_file_read(ach_sample("moov-fiserv-zero-return-file.ach"), lenient=True)
    assert ach.batches == [] and ach.returns() == []
    assert len(ach.warnings) == 3


def _written_lines() -> list[str]:
    debits = [entry(addenda="INVOICE 1"), entry(routing_number="231380104")]
    return nacha_file_write(header=header(), batches=[batch(debits)]).text.splitlines()


def _read_changed(change) -> NachaFormatError:
    lines = _written_lines()
    change(lines)
    with pytest.raises(NachaFormatError) as raised:
        nacha_file_read("\n".join(lines) + "\n")
    return raised.value


def _set(lines: list[str], index: int, start: int, text: str) -> None:
    line = lines[index]
    lines[index] = line[: start - 1] + text + line[start - 1 + len(text) :]


# Lines of the written file: 1 file header, 2 batch header, 3 entry, 4 addenda, 5 entry,
# 6 batch control, 7 file control, 8-10 filler.
CORRUPTIONS = [
    (lambda ls: ls.__setitem__(2, ls[2][:93]), "line 3: record is 93 characters long"),
    (lambda ls: _set(ls, 2, 30, "000000421X"), "line 3: amount '000000421X' is not numeric"),
    (lambda ls: _set(ls, 5, 11, "0000000001"), "line 6: batch control entry hash says 1 but"),
    (lambda ls: _set(ls, 5, 5, "000009"), "line 6: batch control entry/addenda count says 9"),
    (lambda ls: _set(ls, 5, 21, "000000000001"), "line 6: batch control total debit says 1"),
    (lambda ls: _set(ls, 5, 2, "220"), "line 6: batch control service class code says 220"),
    (lambda ls: _set(ls, 6, 32, "000000000001"), "line 7: file control total debit says 1 but"),
    (lambda ls: _set(ls, 6, 2, "000002"), "line 7: file control batch count says 2"),
    (lambda ls: _set(ls, 6, 8, "000002"), "line 7: file control block count says 2, not 1"),
    (lambda ls: ls.pop(), "line 7: the file has 9 records, not a multiple of ten"),
    (lambda ls: ls.insert(1, ls.pop(2)), "line 2: expected a batch header (5) or the file"),
    (lambda ls: _set(ls, 2, 79, "0"), "line 4: an addenda record follows line 3"),
    (lambda ls: _set(ls, 4, 79, "1"), "line 5: addenda indicator is 1 but no addenda"),
    (lambda ls: _set(ls, 3, 84, "0002"), "line 4: addenda sequence number 2, expected 1"),
    (lambda ls: _set(ls, 2, 2, "99"), "line 3: transaction code 99 is not a NACHA code"),
    (lambda ls: _set(ls, 1, 70, "261340"), "line 2: effective entry date '261340' is not a date"),
    (lambda ls: _set(ls, 8, 1, "1"), "line 9: only 9-filled records may follow"),
    (lambda ls: _set(ls, 3, 2, "12"), "line 4: addenda type code '12' is not supported"),
    (lambda ls: _set(ls, 2, 55, "ANA\x00RUIZ"), "line 3: character '\\x00' at column 58"),
    (lambda ls: ls.__setitem__(0, "5" + ls[0][1:]), "line 1: a file starts with a file header"),
    (lambda ls: ls.__setitem__(slice(6, None), []), "line 6: the file ends without a file control"),
]


@pytest.mark.parametrize(("change", "message"), CORRUPTIONS)
def test_a_broken_file_is_refused_naming_the_line(change, message):
    assert str(_read_changed(change)).startswith(message)


def test_non_ascii_bytes_are_refused_naming_line_and_column():
    data = bytearray("\n".join(_written_lines()).encode())
    data[94 * 2 + 2 + 60] = 0xE9  # line 3, column 61
    with pytest.raises(NachaFormatError, match=r"^line 3: byte 0xE9 at column 61 is not ASCII"):
        nacha_file_read(bytes(data))


def test_empty_file_is_refused():
    with pytest.raises(NachaFormatError, match="the file is empty"):
        nacha_file_read(b"\n\n")


def test_crlf_line_endings_read_the_same():
    lines = _written_lines()
    assert nacha_file_read("\r\n".join(lines)).batches == nacha_file_read("\n".join(lines)).batches


def _cor_file(addenda_after_code: str, code: str = "C01") -> bytes:
    """The real moov-io NOC file with its addenda's change code and corrected data
    (positions 36-64) replaced."""
    lines = (DATA / "moov-cor-C01.ach").read_text().splitlines()
    addenda = lines[3]
    lines[3] = addenda[:3] + code + addenda[6:35] + addenda_after_code.ljust(29) + addenda[64:]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("code", "data", "expected"),
    [
        ("C01", "1918171614", {"account_number": "1918171614"}),
        ("C02", "011401533", {"routing_number": "011401533"}),
        (
            "C03",
            "011401533   1918171614",
            {"routing_number": "011401533", "account_number": "1918171614"},
        ),
        ("C05", "37", {"transaction_code": 37}),
        (
            "C06",
            "1918171614" + " " * 10 + "37",
            {"account_number": "1918171614", "transaction_code": 37},
        ),
        (
            "C07",
            "011401533" + "1918171614".ljust(17) + "32",
            {"routing_number": "011401533", "account_number": "1918171614", "transaction_code": 32},
        ),
        ("C04", "ANA RUIZ-DOE", {"individual_name": "ANA RUIZ-DOE"}),
    ],
)
def test_each_change_code_gives_its_corrected_fields(code, data, expected):
    # when
    (change,) = nacha_file_read(_cor_file(data, code)).changes()
    # then
    corrected = change.addenda.corrected
    fields = ("account_number", "routing_number", "transaction_code", "individual_name")
    assert {
        f: getattr(corrected, f) for f in fields if getattr(corrected, f) is not None
    } == expected


@pytest.mark.parametrize(
    ("code", "data", "message"),
    [
        ("C02", "011401534", "line 4: corrected routing number '011401534' is not a valid ABA"),
        ("C05", "99", "line 4: corrected transaction code '99' is not valid"),
        ("C01", "", "line 4: corrected account number is blank"),
        ("C03", "011401533   12 34", "line 4: corrected account number '12 34' is not valid"),
    ],
)
def test_corrected_data_that_cannot_be_applied_is_refused_naming_the_line(code, data, message):
    with pytest.raises(NachaFormatError) as raised:
        nacha_file_read(_cor_file(data, code))
    assert str(raised.value) == message


def test_nonstandard_return_code_is_refused_even_in_a_well_formed_record(ach_sample):
    # given: the real R97 file with its short records padded to 94
    lines = ach_sample("moov-return-R97-nonstandard.ach").decode().splitlines()
    data = "\n".join(line.ljust(94) for line in lines)
    # when / then
    with pytest.raises(NachaFormatError, match="^line 4: return reason code 'R97' is not a NACHA"):
        nacha_file_read(data)


def test_date_of_death_is_read(ach_sample):
    lines = ach_sample("moov-return-WEB-R01-R03.ach").decode().splitlines()
    lines[3] = lines[3][:3] + "R15" + lines[3][6:21] + "261115" + lines[3][27:]
    (first, _) = nacha_file_read("\n".join(lines)).returns()
    assert first.addenda.date_of_death == date(2026, 11, 15)
