"""Every real file imports or is refused with a clear message; the formats' rules."""

import datetime as dt
from decimal import Decimal

import pytest

from payments.models import (
    PayAdviceStaging,
    PaymentEvent,
    PaymentStaging,
    StagingStatus,
    TenderStaging,
    UploadException,
    UploadFile,
)
from payments.tests.factories import source
from payments.upload.intake import upload_file_import

from .conftest import DATA, sample

D = Decimal

# Real files from public projects (tests/data/README.md): what each one must do.
REAL_FILES = {
    "bai2/mojbai2-account_trailer_amount_blank_example.bai2": "holds no credit details",
    "bai2/mojbai2-citi_example.bai2": None,
    "bai2/mojbai2-nwb_example.bai2": None,
    "bai2/mojbai2-svb_us_example.bai2": None,
    "bai2/moovbai2-sample-parseError.bai2": "line 1: '00' is not a BAI2 record code",
    "bai2/moovbai2-sample1.bai2": None,
    "bai2/moovbai2-sample2.bai2": "unreadable BAI2 file: Type code '190500000'",
    "bai2/moovbai2-sample3.bai2": "line 19: '11' is not a BAI2 record code",
    "bai2/moovbai2-sample4-continuations-newline-delimited.bai2": (
        "account 107049932: the account trailer says -$12,601,613,417.62 but its summaries "
        "and details add up to $79,999.60"
    ),
    "bai2/moovbai2-sample5-issue113.bai2": "account 107049932: the account trailer says",
    "lockbox/fundersclub-bai-lockbox-format.bai": None,
}


@pytest.mark.parametrize("relative", sorted(REAL_FILES))
def test_every_real_file_imports_or_is_rejected_with_a_clear_message(pay_ref, relative):
    # when
    upload = upload_file_import(name=relative, data=sample(relative), format=relative.split("/")[0])
    # then
    expected = REAL_FILES[relative]
    if expected is None:
        assert upload.status == UploadFile.Status.STAGED, upload.rejection_reason
        staged = PaymentStaging.objects.filter(tender_staging__deposit_staging__upload_file=upload)
        assert staged.count() == upload.payment_count > 0
        assert sum(s.amount for s in staged) == upload.total
    else:
        assert upload.status == UploadFile.Status.REJECTED
        assert expected in upload.rejection_reason
        assert not upload.deposits.exists()


def test_all_real_files_are_covered():
    real = {
        f"{p.parent.name}/{p.name}"
        for p in DATA.glob("*/*")
        # NACHA files are the autopay reader's (autopay/tests/nacha/test_reader.py).
        if p.name.startswith(("moj", "moov", "fundersclub")) and p.parent.name != "ach"
    }
    assert real == set(REAL_FILES)


def test_real_lockbox_file_stages_its_check_with_the_overflow_account_reference(pay_ref):
    # when
    upload = upload_file_import(
        name="lb.bai", data=sample("lockbox/fundersclub-bai-lockbox-format.bai"), format="lockbox"
    )
    # then
    line = PaymentStaging.objects.get(tender_staging__deposit_staging__upload_file=upload)
    assert (line.line_number, line.amount, line.check_number) == (4, D("7000.00"), "180")
    assert line.account_reference == "CE554" and line.account is None  # -> suspense later
    assert line.payer_name == "BOB E SMITH" and line.tender_type.code == "CHECK"
    assert str(line.payment_date) == "2016-05-16" and str(line.accounting_date) == "2016-05-23"
    assert line.status == StagingStatus.PENDING
    tender = line.tender_staging
    assert (tender.expected_count, tender.expected_total) == (1, D("7000.00"))
    assert tender.tender_source.code == "LOCKBOX"


def test_lockbox_batches_become_tender_stagings_with_their_declared_totals(our_accounts):
    upload = upload_file_import(
        name="two.bai", data=sample("lockbox/opencis-two-batches.bai"), format="lockbox"
    )
    assert upload.status == UploadFile.Status.STAGED
    deposit = upload.deposits.get()
    assert (deposit.expected_count, deposit.expected_total) == (3, D("255.50"))
    tenders = list(TenderStaging.objects.filter(deposit_staging=deposit))
    assert [(t.expected_count, t.expected_total) for t in tenders] == [
        (2, D("205.50")),
        (1, D("50.00")),
    ]
    lines = PaymentStaging.objects.filter(tender_staging__in=tenders).order_by("line_number")
    assert [(p.line_number, p.account_id) for p in lines] == [
        (4, our_accounts["1000000001"].pk),
        (6, our_accounts["1000000002"].pk),
        (10, None),
    ]
    assert lines[2].account_reference == "UNKNOWN42"


def test_lockbox_batch_total_mismatch_rejects_the_file_with_both_figures(pay_ref):
    text = sample("lockbox/opencis-two-batches.bai").decode()
    bad = text.replace("700100000222222612010020000020550", "700100000222222612010020000020000")
    upload = upload_file_import(name="bad.bai", data=bad.encode(), format="lockbox")
    assert upload.status == UploadFile.Status.REJECTED
    assert upload.rejection_reason == (
        "lockbox 0022222 batch 001: the total record says $200.00 but its checks add up to $205.50"
    )
    assert not PaymentStaging.objects.exists()


def test_lockbox_unreadable_check_amount_is_an_error_line_not_a_lost_file(our_accounts):
    text = sample("lockbox/opencis-two-batches.bai").decode()
    bad = text.replace("60010020000008050", "600100200000080X0")
    upload = upload_file_import(name="bad.bai", data=bad.encode(), format="lockbox")
    assert upload.status == UploadFile.Status.STAGED
    line = PaymentStaging.objects.get(status=StagingStatus.ERROR)
    assert line.line_number == 6 and line.amount is None and line.amount_text == "00000080X0"
    assert "is not a whole number of cents" in line.error_message
    exception = UploadException.objects.get(payment_staging=line)
    assert exception.reason == "bad_amount" and exception.message.startswith("line 6: ")
    # the batch keeps the bank's figures, so the upload job holds it until a CSR fixes it
    assert (line.tender_staging.expected_count, line.tender_staging.expected_total) == (
        2,
        D("205.50"),
    )
    assert PaymentStaging.objects.filter(status=StagingStatus.PENDING).count() == 2


def test_bai2_credit_details_are_payments_to_the_account_in_their_reference(our_accounts):
    upload = upload_file_import(
        name="bank.bai2", data=sample("bai2/opencis-lockbox-detail.bai2"), format="bai2"
    )
    assert upload.status == UploadFile.Status.STAGED
    lines = list(PaymentStaging.objects.order_by("line_number"))
    # the debit (475, line 7) is not a payment
    assert [(p.line_number, p.amount, p.account_id, p.external_id) for p in lines] == [
        (4, D("125.00"), our_accounts["1000000001"].pk, "BREF0001"),
        (5, D("80.50"), our_accounts["1000000002"].pk, "BREF0002"),
        (6, D("50.00"), None, "BREF0003"),
    ]
    tender = lines[0].tender_staging
    assert tender.reference == "BAI2 account 555000111"
    assert (tender.expected_count, tender.expected_total) == (3, D("255.50"))
    assert upload.deposits.get().deposit_date.isoformat() == "2026-11-30"


def test_bai2_control_total_mismatch_rejects_with_both_figures(pay_ref):
    bad = sample("bai2/opencis-lockbox-detail.bai2").replace(b"49,25850,6/", b"49,25000,6/")
    upload = upload_file_import(name="bad.bai2", data=bad, format="bai2")
    assert upload.status == UploadFile.Status.REJECTED
    assert upload.rejection_reason == (
        "account 555000111: the account trailer says $250.00 but its summaries and details "
        "add up to $258.50"
    )


def test_bai2_wrong_record_count_is_reported_not_fatal(our_accounts):
    bad = sample("bai2/opencis-lockbox-detail.bai2").replace(b"49,25850,6/", b"49,25850,9/")
    upload = upload_file_import(name="count.bai2", data=bad, format="bai2")
    assert upload.status == UploadFile.Status.STAGED
    assert "integrity checks off" in upload.notes
    assert upload.payment_count == 3


def test_csv_remittance_with_multi_account_pay_advice(our_accounts):
    upload = upload_file_import(name="r.csv", data=sample("csv/remittance.csv"), format="csv")
    assert upload.status == UploadFile.Status.STAGED
    assert (upload.payment_count, upload.total) == (3, D("255.50"))
    tender = TenderStaging.objects.get()
    assert (tender.expected_count, tender.expected_total) == (3, D("255.50"))
    assert tender.tender_source.code == "REMIT"
    third = PaymentStaging.objects.get(line_number=4)
    assert third.account == our_accounts["1000000003"] and third.check_number == "1003"
    advices = PayAdviceStaging.objects.filter(payment_staging=third)
    assert [(a.account, a.amount) for a in advices] == [
        (our_accounts["1000000001"], D("20.00")),
        (our_accounts["1000000002"], D("10.00")),
    ]
    assert str(PaymentStaging.objects.get(line_number=3).payment_date) == "2026-11-30"


def test_csv_malformed_lines_become_error_stagings_with_line_numbers(our_accounts):
    upload = upload_file_import(
        name="bad.csv", data=sample("csv/remittance-bad-line.csv"), format="csv"
    )
    assert upload.status == UploadFile.Status.STAGED
    rows = {p.line_number: p for p in PaymentStaging.objects.all()}
    assert rows[2].status == StagingStatus.PENDING
    assert rows[3].status == StagingStatus.ERROR
    assert rows[3].error_message == "amount '12.3.4' is not a plain positive amount"
    assert rows[3].raw_line == "1000000002,12.3.4,2026-11-30,2002"
    assert rows[4].status == StagingStatus.ERROR
    assert "2026-11-31" in rows[4].error_message
    # an unknown account is not an error of the file: the upload job sends it to suspense
    assert rows[5].status == StagingStatus.PENDING and rows[5].account is None
    assert rows[5].account_reference == "9999999999"
    reasons = sorted(UploadException.objects.values_list("reason", flat=True))
    assert reasons == ["bad_amount", "bad_date"]


def test_csv_amount_in_other_scripts_digits_is_an_error_line(our_accounts):
    """Only ASCII digits are money (the panel's and the API's rule): an amount written in
    Arabic-Indic digits is not read as 125.00 but staged as an error line to fix."""
    data = "account,amount,date\n1000000001,\u0661\u0662\u0665.00,2026-11-30\n".encode()
    upload_file_import(name="digits.csv", data=data, format="csv")
    line = PaymentStaging.objects.get(line_number=2)
    assert line.status == StagingStatus.ERROR and line.amount is None
    assert "is not a plain positive amount" in line.error_message


def test_csv_declared_total_mismatch_rejects_the_file_with_both_figures(pay_ref):
    upload = upload_file_import(
        name="t.csv", data=sample("csv/remittance-total-mismatch.csv"), format="csv"
    )
    assert upload.status == UploadFile.Status.REJECTED
    assert upload.rejection_reason == (
        "the TOTAL row says $300.00 but the payment lines add up to $205.50"
    )
    assert not PaymentStaging.objects.exists()


def test_csv_without_required_columns_is_rejected_naming_them(pay_ref):
    upload = upload_file_import(name="x.csv", data=b"acct,amt\n1,2\n", format="csv")
    assert upload.status == UploadFile.Status.REJECTED
    assert "the header row has no account, amount, date column" in upload.rejection_reason


def test_csv_pay_advice_taking_more_than_the_payment_is_an_error_line(our_accounts):
    data = b"account,amount,date,payee_accounts\n1000000001,10.00,2026-11-30,1000000002:15.00\n"
    upload_file_import(name="a.csv", data=data, format="csv")
    line = PaymentStaging.objects.get()
    assert line.status == StagingStatus.ERROR
    assert line.error_message == "the payee accounts take $15.00, more than the $10.00 paid"


def test_card_number_on_a_line_is_never_stored(our_accounts):
    data = b"account,amount,date,payer_name\n1000000001,10.00,2026-11-30,4111111111111111\n"
    upload_file_import(name="c.csv", data=data, format="csv")
    line = PaymentStaging.objects.get()
    assert "4111111111111111" not in line.raw_line and line.payer_name == ""
    assert line.status == StagingStatus.ERROR and "card number" in line.error_message


def test_processor_file_card_and_echeck_lines(our_accounts):
    upload = upload_file_import(
        name="p.csv", data=sample("processor/paymentus-nightly.csv"), format="processor-csv"
    )
    assert upload.status == UploadFile.Status.STAGED
    lines = list(PaymentStaging.objects.order_by("line_number"))
    assert [(p.external_id, p.tender_type.code, p.amount) for p in lines] == [
        ("PMT-000101", "CARD", D("42.10")),
        ("PMT-000102", "ACH", D("99.99")),
        ("PMT-000103", "CARD", D("15.00")),
    ]
    assert str(lines[0].accounting_date) == "2026-12-01"
    assert str(lines[0].payment_date) == "2026-11-30"
    assert lines[0].tender_staging.tender_source.code == "PAYMENTUS"


def test_processor_line_already_posted_in_real_time_is_never_posted_again(our_accounts):
    # given: the processor's webhook already posted PMT-000102 (its event names it)
    PaymentEvent.objects.create(
        payment_date=dt.date(2026, 11, 30),
        tender_source=source("PAYMENTUS"),
        external_id="PMT-000102",
    )
    # when
    upload_file_import(
        name="p.csv", data=sample("processor/paymentus-nightly.csv"), format="processor-csv"
    )
    # then
    line = PaymentStaging.objects.get(external_id="PMT-000102")
    assert line.already_posted and line.status == StagingStatus.COMPLETE
    others = PaymentStaging.objects.exclude(pk=line.pk)
    assert {(p.already_posted, p.status) for p in others} == {(False, StagingStatus.PENDING)}


def test_processor_transaction_repeated_in_one_file_is_an_error(our_accounts):
    data = (
        b"transaction_id,account,amount,date,method\n"
        b"T1,1000000001,10.00,2026-11-30,VISA\n"
        b"T1,1000000001,10.00,2026-11-30,VISA\n"
    )
    upload_file_import(name="d.csv", data=data, format="processor-csv")
    second = PaymentStaging.objects.get(line_number=3)
    assert second.status == StagingStatus.ERROR
    assert second.error_message == "reference T1 is also on line 2 of this file"


def test_processor_transaction_staged_by_an_earlier_file_is_not_staged_to_post_again(
    our_accounts,
):
    upload_file_import(
        name="p.csv", data=sample("processor/paymentus-nightly.csv"), format="processor-csv"
    )
    # the next night's file repeats PMT-000103 and adds a new one
    data = (
        b"transaction_id,account,amount,date,method\n"
        b"PMT-000103,1000000003,15.00,2026-11-30,AMEX\n"
        b"PMT-000104,1000000001,5.00,2026-12-01,VISA\n"
    )
    upload = upload_file_import(name="p2.csv", data=data, format="processor-csv")
    lines = PaymentStaging.objects.filter(tender_staging__deposit_staging__upload_file=upload)
    assert {(p.external_id, p.already_posted, p.status) for p in lines} == {
        ("PMT-000103", True, StagingStatus.COMPLETE),
        ("PMT-000104", False, StagingStatus.PENDING),
    }
