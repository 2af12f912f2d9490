"""Autopay over a month, end to end (issue 10 "Must show"; seed 001 steps 1.2-6.1, 5.0-5.4).

Ten accounts enroll through the enrollment service with every amount option and both
kinds (bank draft, card), their November bills complete, and the real nightly chain (the
job list of the "OpenCIS nightly batch" periodic task, started as beat starts it) runs
every night from November 1st to December 3rd 2026: across weekends, Veterans Day (Wed
11/11) and Thanksgiving (Thu 11/26), both Federal Reserve holidays. Every payment's amount
and dates are checked, each NACHA file is read back position by position (not with our
reader), its totals and entry hash recomputed here; then the bank's return file (R01 and
R02) and notification of change (C01) arrive in the inbox and the chain applies them:
cancellations, the NSF fee, the re-presentment (sent in a RETRY PYMT batch), the stop, and
the corrected account number used by the next extract. `check_ledger` stays clean.
"""

import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from accounts.models import (
    Adjustment,
    CustomerEmail,
    Demographic,
    DemographicItem,
    SAType,
    ToDoEntry,
)
from accounts.services.bills import bill_create
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory
from autopay.models import AchExtract, BillAutopayCheck, Clearing, Enrollment
from autopay.services.enrollment import autopay_enroll
from autopay.tests.achfiles import back, noc_file, return_file
from autopay.tests.conftest import autopay_reference, csr, make_user  # noqa: F401 (fixtures)
from cis.tasks import nightly_batch_task
from payments.models import Payment, Tender

pytestmark = pytest.mark.django_db

ROUTING = {"boston": "011000015", "chase": "021000021", "wells": "121000248"}
BILL_DATE = dt.date(2026, 11, 2)  # a Monday
NEW_NUMBER = "777788889999"


def nights(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def run_nightly_chain(day: dt.date, capture) -> None:
    """What beat does at 01:00: the periodic task's job list, each job after the last."""
    task = PeriodicTask.objects.get(name="OpenCIS nightly batch")
    with capture(execute=True):
        nightly_batch_task(jobs=json.loads(task.kwargs)["jobs"], business_date=day.isoformat())


def customer_account(number: str, first: str, last: str, **customer):
    account = AccountFactory(
        number=number,
        customer__first_name=first,
        customer__last_name=last,
        **{f"customer__{k}": v for k, v in customer.items()},
    )
    ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="WATER"))
    CustomerEmail.objects.create(
        customer=account.customer, address=f"{first.lower()}@example.com", is_primary=True
    )
    return account


def bill(account, amount: str, due: dt.date, bill_date: dt.date = BILL_DATE):
    sa = account.agreements.get()
    return bill_create(account=account, bill_date=bill_date, due_date=due, segments={sa: D(amount)})


def draft(routing="boston", number="000123456789", kind="checking", **data):
    return {
        "kind": "draft",
        "bank_account_type": kind,
        "routing_number": ROUTING[routing],
        "bank_account_number": number,
        "start_on": dt.date(2026, 10, 15),
        **data,
    }


def card(token, **data):
    return {
        "kind": "card",
        "processor": "sandbox",
        "card_token": token,
        "start_on": dt.date(2026, 10, 15),
        **data,
    }


def entries_of(path: Path) -> tuple[list[str], list[dict]]:
    """The file's lines and its entry details, read by NACHA position (1-based columns:
    1 record type, 2-3 transaction code, 4-11 RDFI, 12 check digit, 13-29 account number,
    30-39 amount in cents, 40-54 individual id, 55-76 name, 80-94 trace)."""
    lines = path.read_text().splitlines()
    entries = [
        {
            "code": line[1:3],
            "rdfi": line[3:11],
            "routing": line[3:12],
            "account_number": line[12:29].strip(),
            "amount": D(int(line[29:39])) / 100,
            "individual_id": line[39:54].strip(),
            "name": line[54:76].strip(),
            "trace": line[79:94],
        }
        for line in lines
        if line.startswith("6")
    ]
    return lines, entries


def check_file_arithmetic(lines: list[str], entries: list[dict]) -> None:
    assert all(len(line) == 94 for line in lines)
    assert len(lines) % 10 == 0
    assert lines[0].startswith("101")
    real = [line for line in lines if not line.startswith("9" * 94)]
    file_control = real[-1]
    assert file_control.startswith("9")
    debits = sum((e["amount"] for e in entries if e["code"] in ("27", "37")), D("0"))
    entry_hash = sum(int(e["rdfi"]) for e in entries) % 10**10
    assert int(file_control[1:7]) == sum(1 for line in real if line.startswith("5"))
    assert int(file_control[7:13]) == len(lines) // 10  # block count
    assert int(file_control[13:21]) == sum(1 for line in real if line[0] in "67")
    assert int(file_control[21:31]) == entry_hash
    assert D(int(file_control[31:43])) / 100 == debits
    for batch_control in (line for line in real if line.startswith("8")):
        assert batch_control[1:4] in ("200", "225")


@pytest.fixture
def month(autopay_reference, csr, settings, tmp_path):  # noqa: F811
    settings.OPENCIS_ACH_OUTBOX = tmp_path / "outbox"
    settings.OPENCIS_ACH_INBOX = tmp_path / "ach-inbox"
    settings.OPENCIS_PAYMENT_INBOX = tmp_path / "payment-inbox"
    settings.OPENCIS_AUTOPAY_MAX_WITHDRAWAL = "500.00"
    settings.OPENCIS_AUTOPAY_CREATE_AT = "extract_date"
    a = {
        "balance": customer_account("3000000001", "Ada", "Balance"),
        "maximum": customer_account("3000000002", "Max", "Cap"),
        "fixed": customer_account("3000000003", "Fay", "Fixed"),
        "budget": customer_account("3000000004", "Bud", "Get"),
        "statement": customer_account("3000000005", "Stan", "Statement"),
        "card": customer_account("3000000006", "Carl", "Card"),
        "declined": customer_account("3000000007", "Dee", "Clined"),
        "big": customer_account("3000000008", "Bill", "Big"),
        "notified": customer_account("3000000009", "Nora", "Notice"),
        "refused": customer_account("3000000010", "Reed", "Refused", do_not_accept_payments=True),
    }
    Demographic.objects.create(
        item=DemographicItem.objects.get(code="BUDGET"),
        level="account",
        account=a["budget"],
        value=D("80.00"),
    )
    enroll = {
        "balance": draft(amount_option="balance"),
        "maximum": draft("chase", "5550001", "savings", amount_option="maximum", amount="100.00"),
        "fixed": draft("wells", "4440002", amount_option="fixed", amount="75.00"),
        "budget": draft(amount_option="required"),
        "statement": draft("chase", "3330003", amount_option="required"),
        "card": card("sbx_approve_visa_4242_1230", amount_option="balance"),
        "declined": card("sbx_decline_visa_0002_1230", amount_option="balance"),
        "big": draft("wells", "2220004", amount_option="balance"),
        "notified": draft(amount_option="balance", notify_in_advance=True),
        "refused": draft(amount_option="balance"),
    }
    for key, data in enroll.items():
        autopay_enroll(account=a[key], user=csr, data=data)
    bills = {
        # due on a Saturday: settles Fri 11/13, sent Tue 11/10 (Wed 11/11 is a holiday)
        "balance": bill(a["balance"], "120.00", dt.date(2026, 11, 14)),
        # due on Veterans Day: settles Tue 11/10, sent Fri 11/6
        "maximum": bill(a["maximum"], "150.00", dt.date(2026, 11, 11)),
        # due on a Sunday after Thanksgiving: settles Fri 11/27, sent Tue 11/24
        "fixed": bill(a["fixed"], "60.00", dt.date(2026, 11, 29)),
        "budget": bill(a["budget"], "130.00", dt.date(2026, 11, 23)),
        "statement": bill(a["statement"], "95.50", dt.date(2026, 11, 23)),
        "card": bill(a["card"], "64.25", dt.date(2026, 11, 14)),
        "declined": bill(a["declined"], "50.00", dt.date(2026, 11, 14)),
        "big": bill(a["big"], "700.00", dt.date(2026, 11, 23)),
        # ten days' notice of a varying amount: settles Thu 11/12, sent Mon 11/9
        "notified": bill(a["notified"], "88.00", dt.date(2026, 11, 12)),
        "refused": bill(a["refused"], "40.00", dt.date(2026, 11, 23)),
    }
    return a, bills


# key: (amount, extract date, settlement date)
EXPECTED = {
    "balance": ("120.00", dt.date(2026, 11, 10), dt.date(2026, 11, 13)),
    "maximum": ("100.00", dt.date(2026, 11, 6), dt.date(2026, 11, 10)),
    "fixed": ("75.00", dt.date(2026, 11, 24), dt.date(2026, 11, 27)),
    "budget": ("80.00", dt.date(2026, 11, 19), dt.date(2026, 11, 23)),
    "statement": ("95.50", dt.date(2026, 11, 19), dt.date(2026, 11, 23)),
    "card": ("64.25", dt.date(2026, 11, 10), dt.date(2026, 11, 13)),
    "declined": ("50.00", dt.date(2026, 11, 10), dt.date(2026, 11, 13)),
    "big": ("500.00", dt.date(2026, 11, 19), dt.date(2026, 11, 23)),
    "notified": ("88.00", dt.date(2026, 11, 9), dt.date(2026, 11, 12)),
}
# extract (file) date -> the drafts in it
FILES = {
    dt.date(2026, 11, 6): ["maximum"],
    dt.date(2026, 11, 9): ["notified"],
    dt.date(2026, 11, 10): ["balance"],
    dt.date(2026, 11, 19): ["budget", "statement", "big"],
    dt.date(2026, 11, 24): ["fixed"],
}


def test_a_month_of_autopay_through_the_nightly_chain_returns_and_nocs(
    month, django_capture_on_commit_callbacks, settings
):
    accounts, bills = month
    capture = django_capture_on_commit_callbacks
    outbox = Path(settings.OPENCIS_ACH_OUTBOX)
    clearing = {}
    for day in nights(dt.date(2026, 11, 1), dt.date(2026, 11, 30)):
        run_nightly_chain(day, capture)
        if day == BILL_DATE:
            # bills completed: every eligible account has its autopay, amounts fixed
            clearing = {c.account.number: c for c in Clearing.objects.select_related("account")}
            assert accounts["refused"].number not in clearing
            check = BillAutopayCheck.objects.get(bill=bills["refused"])
            assert check.outcome == "ineligible" and check.reason
            for key, (amount, extract_on, settles_on) in EXPECTED.items():
                c = clearing[accounts[key].number]
                assert (c.amount, c.extract_on, c.gl_distribution_on) == (
                    D(amount),
                    extract_on,
                    settles_on,
                ), key
            big = clearing[accounts["big"].number]
            assert big.reduced_from == D("700.00")
            assert ToDoEntry.objects.filter(source=f"autopay.Clearing:{big.pk}").exists()
            # the varying amount with notify-in-advance: its notice went out today, a PDF
            notices = [m for m in mail.outbox if "nora@example.com" in m.to]
            assert len(notices) == 1 and notices[0].attachments
            assert notices[0].attachments[0][2] == "application/pdf"
            assert "88.00" in notices[0].body
        # nothing is sent before its extract date, everything on it
        for key, (_, extract_on, _) in EXPECTED.items():
            c = Clearing.objects.filter(account=accounts[key]).first()
            if day < BILL_DATE:
                assert c is None
            elif day < extract_on:
                assert c.status in ("pending", "created", "frozen"), (day, key, c.status)
            elif key == "declined":
                assert c.status == "cancelled", (day, key)
            else:
                assert c.status == "extracted", (day, key, c.status)
        written = sorted(outbox.glob("*.ach"))
        assert len(written) == sum(1 for d in FILES if d <= day), day

    # every payment: the amount agreed, paid on the extract date, booked on settlement
    for key, (amount, extract_on, settles_on) in EXPECTED.items():
        c = Clearing.objects.select_related("payment__event", "tender").get(account=accounts[key])
        assert c.payment.amount == D(amount)
        assert c.payment.event.payment_date == extract_on
        assert c.payment.accounting_date == settles_on
        assert c.tender.tender_type.code == ("CARD" if key in ("card", "declined") else "ACH")
    # the overpaid fixed amount is a credit for the next cycle
    accounts["fixed"].refresh_from_db()
    assert accounts["fixed"].balance == D("-15.00")
    # the declined card: tender cancelled, the bill owed again, a CSR asked
    declined = Clearing.objects.get(account=accounts["declined"])
    assert declined.tender.status == Tender.Status.CANCELLED
    accounts["declined"].refresh_from_db()
    assert accounts["declined"].balance == D("50.00")
    assert ToDoEntry.objects.filter(source=f"autopay.Clearing:{declined.pk}").exists()
    card_extract = Clearing.objects.get(account=accounts["card"]).extract
    assert card_extract.kind == "card" and card_extract.file_path == ""

    # the files, read by position
    for path in sorted(outbox.glob("*.ach")):
        extract = AchExtract.objects.get(file_path=str(path))
        keys = FILES[extract.business_date]
        lines, entries = entries_of(path)
        check_file_arithmetic(lines, entries)
        batch_header = next(line for line in lines if line.startswith("5"))
        assert batch_header[50:53] == "PPD"
        settles_on = EXPECTED[keys[0]][2]
        assert batch_header[69:75] == settles_on.strftime("%y%m%d")
        debits = [e for e in entries if e["code"] in ("27", "37")]
        assert sorted(e["individual_id"] for e in debits) == sorted(
            accounts[k].number for k in keys
        )
        for e in debits:
            key = next(k for k in keys if accounts[k].number == e["individual_id"])
            enrollment = Enrollment.objects.get(account=accounts[key])
            assert e["amount"] == D(EXPECTED[key][0])
            assert e["routing"] == enrollment.routing_number
            assert e["account_number"] == enrollment.bank_account_number
            assert e["code"] == ("37" if enrollment.bank_account_type == "savings" else "27")
            assert e["trace"] == Clearing.objects.get(account=accounts[key]).trace_number
        assert extract.entry_count == len(debits)
        assert extract.total == sum((e["amount"] for e in debits), D("0"))
        # balanced controls hold exactly the extract's tenders
        control = extract.tender_control
        assert control is not None and control.status == "balanced"
        assert control.deposit_control.status == "balanced"
        assert control.tenders.count() == len(debits)
    call_command("check_ledger")

    # a second bill for the fixed account, dated 11/30 and completed the night of 12/1:
    # it settles Mon 12/7 and is sent Thu 12/3, after the bank's NOC has arrived
    second = bill(accounts["fixed"], "60.00", dt.date(2026, 12, 7), dt.date(2026, 11, 30))

    # the bank answers: an NSF return, a closed account, and a notification of change
    by_key = {k: Clearing.objects.get(account=accounts[k], presentment=1) for k in EXPECTED}
    by_key["fixed"] = Clearing.objects.get(account=accounts["fixed"], bill=bills["fixed"])
    inbox = Path(settings.OPENCIS_ACH_INBOX)
    inbox.mkdir(parents=True)
    returns = return_file(
        [back(by_key["balance"], "R01"), back(by_key["budget"], "R02")],
        created=dt.datetime(2026, 11, 30, 18, 0),
    )
    (inbox / "returns-1130.ach").write_bytes(returns)
    (inbox / "noc-1130.ach").write_bytes(
        noc_file(
            [back(by_key["fixed"], "C01", corrected=NEW_NUMBER)],
            created=dt.datetime(2026, 11, 30, 18, 5),
        )
    )
    run_nightly_chain(dt.date(2026, 12, 1), capture)
    nxt = Clearing.objects.get(bill=second)
    assert (nxt.amount, nxt.extract_on) == (D("75.00"), dt.date(2026, 12, 3))

    # R01: tender cancelled NSF, the fee levied, the entry presented again once
    returned = Clearing.objects.get(pk=by_key["balance"].pk)
    assert (returned.status, returned.return_code) == ("returned", "R01")
    assert returned.tender.status == Tender.Status.CANCELLED
    assert returned.tender.cancel_reason.code == "NSF"
    fee = Adjustment.objects.get(sa__account=accounts["balance"])
    assert fee.amount == D("25.00")
    again = Clearing.objects.get(represents=returned)
    assert (again.presentment, again.amount, again.extract_on) == (
        2,
        D("120.00"),
        dt.date(2026, 12, 2),
    )
    accounts["balance"].refresh_from_db()
    assert accounts["balance"].balance == D("25.00")  # the fee; the draft is paid again
    # R02: cancelled, autopay stopped as bank account invalid, the bill owed again
    stopped = Enrollment.objects.get(account=accounts["budget"])
    assert stopped.stopped_on is not None and stopped.stop_reason == "bank_invalid"
    accounts["budget"].refresh_from_db()
    assert accounts["budget"].balance == D("130.00")
    assert not Adjustment.objects.filter(sa__account=accounts["budget"]).exists()
    # C01: the corrected account number, with a history row
    fixed = Enrollment.objects.get(account=accounts["fixed"])
    assert fixed.bank_account_number == NEW_NUMBER
    assert (inbox / "done" / "returns-1130.ach").exists()
    call_command("check_ledger")

    # the same return file again changes nothing
    before = (Tender.objects.filter(status="cancelled").count(), Clearing.objects.count())
    call_command("import_ach_returns", str(inbox / "done" / "returns-1130.ach"))
    assert (Tender.objects.filter(status="cancelled").count(), Clearing.objects.count()) == before

    # Dec 2: the re-presentment goes out in a RETRY PYMT batch; Dec 3: the new number
    run_nightly_chain(dt.date(2026, 12, 2), capture)
    again.refresh_from_db()
    assert again.status == "extracted"
    lines, entries = entries_of(Path(again.extract.file_path))
    check_file_arithmetic(lines, entries)
    retry = [line for line in lines if line.startswith("5")]
    assert any(line[53:63].strip() == "RETRY PYMT" for line in retry)
    assert [(e["individual_id"], e["amount"]) for e in entries if e["code"] == "27"] == [
        (accounts["balance"].number, D("120.00"))
    ]
    run_nightly_chain(dt.date(2026, 12, 3), capture)
    nxt.refresh_from_db()
    assert nxt.status == "extracted"
    _, entries = entries_of(Path(nxt.extract.file_path))
    assert [(e["account_number"], e["amount"]) for e in entries if e["code"] == "27"] == [
        (NEW_NUMBER, D("75.00"))
    ]
    assert Payment.objects.filter(event__tender_source__code="AUTOPAY").count() == 11
    call_command("check_ledger")
