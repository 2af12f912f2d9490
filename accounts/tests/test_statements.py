"""Statements (issue 13 item 1): the figures of a bill's statement from the frozen ledger,
the scan line, the PDF's text, who may fetch it, and Email Statement."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from accounts.ledger_checks import ledger_breaches
from accounts.models import (
    AdjustmentType,
    Bill,
    BillSegmentUsage,
    Contact,
    ContactAddress,
    ContactType,
    Meter,
    Note,
    SAType,
)
from accounts.services.adjustments import adjustment_create
from accounts.services.bills import bill_complete, bill_create
from accounts.statements import luhn_check_digit, scan_line, statement_data
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory

from .conftest import PASSWORD

D = Decimal


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def pay(sa, amount: str, day: dt.date) -> None:
    """A real cash payment (payments' own service: a test may reach up the import
    direction; accounts' code does not)."""
    from payments.reference import reference_data_load
    from payments.tests.factories import pay as payment_post

    reference_data_load()
    payment_post(sa.account, D(amount), day=day)


def make_bill(account, segments: dict, day: dt.date) -> Bill:
    bill = bill_create(
        account=account, bill_date=day, due_date=day + dt.timedelta(days=21), segments=segments
    )
    return bill_complete(bill=bill)


@pytest.fixture
def two_bills(account):
    """Jane's $100.00 water bill of 01/01 (fixture), then on 01/10 a $60.00 payment, on
    01/15 a $-5.25 courtesy credit, and the 02/01 bill: water $80.10, sewer $40.00."""
    water = account.agreements.get()
    sewer = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="SEWER"))
    pay(water, "60.00", dt.date(2026, 1, 10))
    adjustment_create(
        sa=water,
        adjustment_type=AdjustmentType.objects.filter(offset_gl__isnull=False).first(),
        amount=D("-5.25"),
        reason="courtesy",
        accounting_date=dt.date(2026, 1, 15),
    )
    bill = make_bill(account, {water: D("80.10"), sewer: D("40.00")}, dt.date(2026, 2, 1))
    meter = Meter.objects.create(
        number="M-4242", location=account.location, service=water.sa_type, unit="KGAL"
    )
    BillSegmentUsage.objects.create(
        segment=bill.segments.get(sa=water),
        meter=meter,
        rate_code="RES-W",
        previous_read_date=dt.date(2026, 1, 1),
        previous_reading=D("1200"),
        read_date=dt.date(2026, 2, 1),
        reading=D("1207.5"),
        actual_quantity=D("7.5"),
        billed_quantity=D("7.5"),
        unit="KGAL",
        total_charge=D("80.10"),
    )
    # A payment after the bill date belongs to the next statement.
    pay(water, "10.00", dt.date(2026, 2, 3))
    return bill


def test_statement_figures_are_exact(account, two_bills):
    s = statement_data(bill=two_bills)
    assert s.previous_bill == account.bills.get(bill_date=dt.date(2026, 1, 1))
    assert s.previous_balance == D("100.00")
    assert s.payments == D("-60.00")
    assert s.adjustments == D("-5.25")
    assert s.charges == D("120.10")
    assert s.amount_due == D("154.85")
    assert s.amount_due == s.previous_balance + s.payments + s.adjustments + s.charges
    assert s.due_date == dt.date(2026, 2, 22)
    assert [seg.amount for seg in s.segments] == [D("80.10"), D("40.00")]
    assert [u.billed_quantity for u in s.segments[0].usage] == [D("7.500")]
    assert s.customer_name == "Jane Q. Doe"
    assert s.mailing_address == ["12 Elm St", "Springfield, IL 62701"]
    assert s.scan_line == "1000000042" + "0000015485" + "7"
    assert list(ledger_breaches()) == []


def test_first_statement_has_no_previous_balance(account):
    s = statement_data(bill=account.bills.get())
    assert (s.previous_balance, s.payments, s.adjustments) == (0, 0, 0)
    assert s.charges == s.amount_due == D("100.00")


def test_scan_line_check_digit_is_luhn():
    assert luhn_check_digit("7992739871") == 3  # the textbook example
    line = scan_line(account_number="1000000042", amount_due=D("154.85"))
    assert line == "100000004200000154857"
    # The Luhn test over the whole line passes, and one wrong digit fails it.
    assert luhn_check_digit(line[:-1]) == int(line[-1])
    assert luhn_check_digit("1000000042" + "0000015495") != 7
    # A credit balance scans as zero cents.
    assert scan_line(account_number="1000000042", amount_due=D("-3.00"))[10:20] == "0" * 10


@pytest.fixture
def as_csr(client, csr):
    client.login(username=csr.username, password=PASSWORD)
    return client


def url(account, bill) -> str:
    return reverse("acp:statement", args=[account.number, bill.pk])


def test_statement_pdf_shows_the_figures_and_the_scan_line(as_csr, account, two_bills):
    response = as_csr.get(url(account, two_bills))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "Jane Q. Doe",
        "1000000042",
        "12 Elm St",
        "02/22/2026",
        "Previous balance",
        "$100.00",
        "-$60.00",
        "-$5.25",
        "$120.10",
        "$154.85",
        "M-4242",
        "7.500 KGAL",
        "Remittance stub",
        "100000004200000154857",
    ):
        assert expected in text, expected


def test_another_accounts_bill_is_a_404(as_csr, account, two_bills):
    other = AccountFactory(number="1000000077")
    sa = ServiceAgreementFactory(account=other, sa_type=SAType.objects.get(code="WATER"))
    theirs = make_bill(other, {sa: D("12.00")}, dt.date(2026, 1, 5))
    assert as_csr.get(url(account, theirs)).status_code == 404
    assert as_csr.get(url(other, theirs)).status_code == 200
    pending = bill_create(
        account=account,
        bill_date=dt.date(2026, 3, 1),
        due_date=dt.date(2026, 3, 22),
        segments={account.agreements.first(): D("1.00")},
    )
    assert as_csr.get(url(account, pending)).status_code == 404  # not complete yet
    as_csr.logout()
    assert as_csr.get(url(account, two_bills)).status_code == 302  # login first


def test_history_tab_has_a_statement_action_per_bill(as_csr, account, two_bills):
    body = as_csr.get(
        reverse("acp:tab", args=[account.number, "history"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    for bill in account.bills.all():
        assert body.count(url(account, bill)) == 1
    assert body.count(">Email Statement</button>") == 2


def test_email_statement_sends_the_pdf_and_records_a_note(as_csr, account, two_bills):
    email_url = reverse("acp:statement-email", args=[account.number, two_bills.pk])
    response = as_csr.post(email_url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "jane@example.com" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["jane@example.com"]
    [(name, pdf, mimetype)] = message.attachments
    assert (name, mimetype) == ("statement-1000000042-20260201.pdf", "application/pdf")
    assert "$154.85" in pdf_text(pdf)
    note = Note.objects.get(account=account)
    assert "emailed to jane@example.com" in note.text


def test_email_statement_without_an_email_is_refused(as_csr, account, two_bills):
    account.customer.emails.all().delete()
    email_url = reverse("acp:statement-email", args=[account.number, two_bills.pk])
    assert as_csr.post(email_url, HTTP_HX_REQUEST="true").status_code == 422
    assert mail.outbox == []
    body = as_csr.get(
        reverse("acp:tab", args=[account.number, "history"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'disabled title="No email address on file"' in body


def test_print_duplicates_has_one_copy_per_contact_flagged_for_mail(as_csr, account, two_bills):
    dup_url = reverse("acp:statement-duplicates", args=[account.number, two_bills.pk])
    assert as_csr.get(dup_url).status_code == 404  # nobody flagged yet
    kind = ContactType.objects.first()
    al = Contact.objects.create(
        customer=account.customer,
        first_name="Al",
        last_name="Doe",
        contact_type=kind,
        notices=Contact.Notices.MAIL,
    )
    ContactAddress.objects.create(
        contact=al,
        line1="9 Oak Ave",
        city="Peoria",
        state="IL",
        postal_code="61602",
        is_primary=True,
    )
    Contact.objects.create(
        location=account.location,
        first_name="Bea",
        last_name="Landlord",
        contact_type=kind,
        notices=Contact.Notices.MAIL,
    )
    Contact.objects.create(
        customer=account.customer,
        first_name="Cy",
        last_name="Nomail",
        contact_type=kind,
        notices=Contact.Notices.NONE,
    )
    response = as_csr.get(dup_url)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert text.count("Duplicate copy for") == 2
    assert "Duplicate copy for Al Doe" in text and "9 Oak Ave" in text
    assert "Duplicate copy for Bea Landlord" in text
    assert "Cy Nomail" not in text
    assert text.count("100000004200000154857") == 2
    body = as_csr.get(
        reverse("acp:tab", args=[account.number, "history"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert body.count(dup_url) == 1
