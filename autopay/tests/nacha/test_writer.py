"""The PPD debit writer: every field where the NACHA record layouts put it."""

from datetime import date
from decimal import Decimal

import pytest

from autopay.nacha import AccountType, NachaFieldError, OffsetAccount, nacha_file_write

from .conftest import batch, entry, header


def at(line: str, start: int, end: int) -> str:
    """Field by its 1-based NACHA positions, as the record layouts print them."""
    return line[start - 1 : end]


def lines_of(written) -> list[str]:
    assert written.text.endswith("\n")
    return written.text.splitlines()


def test_single_debit_file_has_every_field_in_its_nacha_position():
    # given
    debit = entry(addenda="INVOICE 1001")
    # when
    written = nacha_file_write(header=header(), batches=[batch([debit])])
    # then
    lines = lines_of(written)
    assert len(lines) == 10 and all(len(line) == 94 for line in lines)
    file_header, batch_header, detail, addenda, control, file_control, *filler = lines
    assert at(file_header, 1, 3) == "101"
    assert at(file_header, 4, 13) == " 091000019"
    assert at(file_header, 14, 23) == "1234567890"
    assert at(file_header, 24, 33) == "2612020600"
    assert at(file_header, 34, 40) == "A094101"
    assert at(file_header, 41, 63) == "OUR BANK".ljust(23)
    assert at(file_header, 64, 86) == "SPRINGFIELD WATER".ljust(23)
    assert at(batch_header, 1, 4) == "5225"
    assert at(batch_header, 5, 20) == "SPRINGFIELD WTR "
    assert at(batch_header, 41, 50) == "1234567890"
    assert at(batch_header, 51, 53) == "PPD"
    assert at(batch_header, 54, 63) == "AUTOPAY   "
    assert at(batch_header, 70, 75) == "261204"
    assert at(batch_header, 76, 78) == "   "
    assert at(batch_header, 79, 94) == "1" + "09100001" + "0000001"
    assert at(detail, 1, 3) == "627"
    assert at(detail, 4, 11) == "01140153" and at(detail, 12, 12) == "3"
    assert at(detail, 13, 29) == "123-456".ljust(17)
    assert at(detail, 30, 39) == "0000004210"
    assert at(detail, 40, 54) == "1000000001".ljust(15)
    assert at(detail, 55, 76) == "ANA RUIZ".ljust(22)
    assert at(detail, 79, 79) == "1"
    assert at(detail, 80, 94) == "091000010000001" == written.batches[0].trace_numbers[0]
    assert at(addenda, 1, 3) == "705"
    assert at(addenda, 4, 83) == "INVOICE 1001".ljust(80)
    assert at(addenda, 84, 94) == "0001" + "0000001"
    assert at(control, 1, 4) == "8225"
    assert at(control, 5, 10) == "000002"
    assert at(control, 11, 20) == "0001140153"
    assert at(control, 21, 32) == "000000004210"
    assert at(control, 33, 44) == "000000000000"
    assert at(control, 45, 54) == "1234567890"
    assert at(control, 80, 94) == "09100001" + "0000001"
    assert at(file_control, 1, 31) == "9" + "000001" + "000001" + "00000002" + "0001140153"
    assert at(file_control, 32, 55) == "000000004210" + "000000000000"
    assert at(file_control, 56, 94) == " " * 39
    assert filler == ["9" * 94] * 4


def test_savings_debits_use_code_37_and_the_offset_credits_the_batch_total_with_class_200():
    # given
    debits = [
        entry(amount=Decimal("10.00")),
        entry(account_type=AccountType.SAVINGS, routing_number="231380104", amount=Decimal("5.55")),
    ]
    offset = OffsetAccount(routing_number="091000019", account_number="555000111")
    # when
    written = nacha_file_write(header=header(), batches=[batch(debits, offset=offset)])
    # then
    lines = lines_of(written)
    assert at(lines[1], 2, 4) == "200"
    assert [at(line, 2, 3) for line in lines[2:5]] == ["27", "37", "22"]
    credit = lines[4]
    assert at(credit, 4, 12) == "091000019" and at(credit, 30, 39) == "0000001555"
    assert at(credit, 55, 76).rstrip() == "SPRINGFIELD WTR"
    control = lines[5]
    assert at(control, 1, 4) == "8200"
    assert at(control, 21, 44) == "000000001555" + "000000001555"
    assert at(control, 11, 20) == str(1140153 + 23138010 + 9100001).zfill(10)
    assert written.total_debit_cents == written.total_credit_cents == 1555
    assert written.batches[0].offset_trace_number == "091000010000003"


def test_several_batches_get_their_own_numbers_and_trace_numbers_stay_unique():
    # given
    batches = [
        batch([entry(), entry()], effective_date=date(2026, 12, 4)),
        batch([entry()], effective_date=date(2026, 12, 7), company_id="9876543210"),
    ]
    # when
    written = nacha_file_write(header=header(), batches=batches, first_trace_sequence=500)
    # then
    headers = [line for line in lines_of(written) if line[0] == "5"]
    assert [at(h, 70, 75) for h in headers] == ["261204", "261207"]
    assert [at(h, 88, 94) for h in headers] == ["0000001", "0000002"]
    traces = [t for b in written.batches for t in b.trace_numbers]
    assert traces == ["091000010000500", "091000010000501", "091000010000502"]
    file_control = next(line for line in lines_of(written) if line.startswith("9000"))
    assert at(file_control, 1, 7) == "9000002"


def test_file_is_blocked_to_tens_with_nine_filled_records():
    # when: 1 + (1 + 9 + 1) + 1 = 13 records
    written = nacha_file_write(header=header(), batches=[batch([entry()] * 9)])
    # then
    lines = lines_of(written)
    assert len(lines) == 20 and written.block_count == 2
    assert lines[13:] == ["9" * 94] * 7
    assert at(lines[12], 8, 13) == "000002"


def test_names_are_upper_cased_and_accents_transliterated_long_names_cut():
    # when
    written = nacha_file_write(
        header=header(),
        batches=[batch([entry(individual_name="José Ñúñez de la Peña-Castillo")])],
    )
    # then
    assert at(lines_of(written)[2], 55, 76) == "JOSE NUNEZ DE LA PENA-"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"individual_name": "王小明"}, "individual name: '王小明' holds '王'"),
        ({"individual_name": "Ana\tRuiz"}, "printable ASCII only"),
        ({"amount": 42.10}, "amount: 42.1 is not a Decimal"),
        ({"amount": Decimal("1.005")}, "fractions of a cent"),
        ({"amount": Decimal("-1.00")}, "is negative"),
        ({"amount": Decimal("0.00")}, "a debit of 0.00 is not an entry"),
        ({"amount": Decimal("100000000.00")}, "does not fit the 10-digit amount field"),
        ({"amount": Decimal("NaN")}, "is not a number"),
        ({"routing_number": "011401534"}, "routing number: '011401534' fails the ABA"),
        ({"routing_number": "01140153"}, "is not a 9-digit ABA routing number"),
        ({"account_number": "1" * 18}, "must be 1 to 17 characters"),
        ({"account_number": "12 34"}, "only letters, digits and hyphens"),
        ({"individual_id": "1" * 16}, "individual id: '1111111111111111' is longer than 15"),
        ({"individual_name": "   "}, "individual name: is required and may not be blank"),
        ({"individual_id": ""}, "individual id: is required"),
    ],
)
def test_values_a_nacha_field_cannot_hold_are_refused_naming_batch_entry_and_field(
    overrides, message
):
    # when / then
    with pytest.raises(NachaFieldError) as raised:
        nacha_file_write(header=header(), batches=[batch([entry(), entry(**overrides)])])
    assert str(raised.value).startswith("batch 1 entry 2 ")
    assert message in str(raised.value)


def test_largest_amount_that_fits_ten_digits_is_written():
    # when
    written = nacha_file_write(
        header=header(), batches=[batch([entry(amount=Decimal("99999999.99"))])]
    )
    # then
    assert at(lines_of(written)[2], 30, 39) == "9999999999"


def test_offset_that_would_exceed_ten_digits_is_refused():
    # given: two entries at the maximum; their offset credit cannot be written
    big = entry(amount=Decimal("99999999.99"))
    offset = OffsetAccount(routing_number="091000019", account_number="555000111")
    # when / then
    with pytest.raises(NachaFieldError, match="batch 1 offset amount"):
        nacha_file_write(header=header(), batches=[batch([big, big], offset=offset)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batches": []}, "a file needs at least one batch"),
        ({"batches": [batch([])]}, "batch 1: a batch needs at least one entry"),
        ({"batches": [batch(company_name="Springfield Water Co")]}, "batch 1 company name"),
        ({"batches": [batch(entry_description="AUTOMATIC PAY")]}, "company entry description"),
        ({"batches": [batch(company_name=" ")]}, "batch 1 company name: is required"),
    ],
)
def test_batches_that_cannot_be_written_are_refused(kwargs, message):
    with pytest.raises(NachaFieldError, match=message):
        nacha_file_write(header=header(), **kwargs)


def test_header_values_are_checked():
    with pytest.raises(NachaFieldError, match="originating DFI: '091000018' fails the ABA"):
        nacha_file_write(header=header(originating_dfi="091000018"), batches=[batch()])
    with pytest.raises(NachaFieldError, match="file id modifier"):
        nacha_file_write(header=header(file_id_modifier="%"), batches=[batch()])
    with pytest.raises(NachaFieldError, match="immediate origin"):
        nacha_file_write(header=header(immediate_origin="12345678901"), batches=[batch()])


def test_trace_sequences_that_do_not_fit_seven_digits_are_refused():
    offset = OffsetAccount(routing_number="091000019", account_number="555000111")
    written = nacha_file_write(
        header=header(), batches=[batch([entry()], offset=offset)], first_trace_sequence=9_999_998
    )
    assert written.batches[0].offset_trace_number == "091000019999999"
    with pytest.raises(NachaFieldError, match="trace sequences 9999999-10000000 do not fit"):
        nacha_file_write(
            header=header(),
            batches=[batch([entry()], offset=offset)],
            first_trace_sequence=9_999_999,
        )
