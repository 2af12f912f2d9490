"""Late notices (issue 12 item 2): who gets one, when to pay by, by which channel, the
copies to contacts, the account history, the email job and the print run."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail

from accounts.models import ChangeRecord, Contact, ContactEmail, CustomerEmail
from accounts.tests.factories import code_table
from cis.batch import batch_run
from delinquency.business_days import business_days_add
from delinquency.models import LateNotice
from delinquency.pdf import print_run_pages, print_run_pdf
from delinquency.services.notices import late_notices_create

from .conftest import AS_OF, past_due

pytestmark = pytest.mark.django_db
D = Decimal


def run(day=AS_OF):
    return batch_run(job_name="delinquency_notices", business_date=day, force=True)


def test_business_days_skip_weekends():
    friday = dt.date(2026, 6, 5)
    assert business_days_add(friday, 1) == dt.date(2026, 6, 8)
    assert business_days_add(AS_OF, 10) == dt.date(2026, 6, 15)


def test_past_due_accounts_get_one_notice_per_oldest_bill(policy):
    late = past_due("100.00", days=6)
    too_recent = past_due("100.00", days=4)
    too_small = past_due("9.99", days=30)

    first = run()

    [notice] = LateNotice.objects.all()
    assert notice.account_id == late.account_id
    assert notice.past_due == D("100.00")
    assert notice.pay_by == dt.date(2026, 6, 15)  # 10 business days
    assert notice.bill_id == late.account.bills.get().pk
    assert notice.batch_run == first
    assert first.lines == 1 and first.money == D("100.00")
    assert not LateNotice.objects.filter(account__in=[too_recent.account, too_small.account])
    # The same night again, and the next nights: that bill had its notice; the account
    # that was 4 days late is 5 days late tomorrow and gets its own.
    run()
    run(AS_OF + dt.timedelta(days=1))
    run(AS_OF + dt.timedelta(days=2))
    assert late.account.late_notices.count() == 1
    assert too_recent.account.late_notices.get().notice_date == AS_OF + dt.timedelta(days=1)
    assert not too_small.account.late_notices.exists()


def test_delivery_email_or_print_and_contact_copies(policy):
    emailed = past_due()
    customer = emailed.account.customer
    customer.email_notices = True
    customer.save()
    CustomerEmail.objects.create(customer=customer, address="jane@example.com", is_primary=True)
    # Takes email notices but has no email on file: the print run.
    no_email = past_due()
    no_email.account.customer.email_notices = True
    no_email.account.customer.save()
    printed = past_due()
    contact_type = code_table(Contact._meta.get_field("contact_type").related_model, "LL")
    copy = Contact.objects.create(
        contact_type=contact_type,
        location=printed.account.location,
        first_name="Lee",
        last_name="Landlord",
        notices=Contact.Notices.EMAIL,
    )
    ContactEmail.objects.create(contact=copy, address="lee@example.com", is_primary=True)
    Contact.objects.create(  # duplicates by mail, but no address on file: nothing to send
        contact_type=contact_type,
        customer=printed.account.customer,
        first_name="No",
        last_name="Address",
        notices=Contact.Notices.MAIL,
    )

    run()

    by_account = {n.account_id: n for n in LateNotice.objects.all()}
    assert by_account[emailed.account_id].delivery == "email"
    assert by_account[emailed.account_id].recipients[0]["to"] == "jane@example.com"
    assert by_account[no_email.account_id].delivery == "print"
    notice = by_account[printed.account_id]
    assert notice.delivery == "print"
    assert [(r["name"], r["delivery"], r["to"]) for r in notice.recipients[1:]] == [
        ("Lee Landlord", "email", "lee@example.com")
    ]
    assert notice.email_status == "pending"
    assert by_account[no_email.account_id].email_status == "none"

    # The email job: one message per email recipient, the PDF attached.
    delivery = batch_run(job_name="late_notice_delivery", business_date=AS_OF)
    assert delivery.lines == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["jane@example.com", "lee@example.com"]
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert set(LateNotice.objects.values_list("email_status", flat=True)) == {"sent", "none"}
    batch_run(job_name="late_notice_delivery", business_date=AS_OF, force=True)
    assert len(mail.outbox) == 2  # sent once

    # The print run: the two print customers, one page each.
    pages = print_run_pages(day=AS_OF)
    assert sorted(p["account"].number for p in pages) == sorted(
        [no_email.account.number, printed.account.number]
    )
    assert print_run_pdf(day=AS_OF).startswith(b"%PDF")


def test_the_notice_is_on_the_account_history(policy):
    sa = past_due("123.45")
    run()
    notice = LateNotice.objects.get()
    row = ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(LateNotice), object_id=notice.pk
    )
    assert row.account_id == sa.account_id and row.action == "created"
    assert "$123.45 past due, pay by 06/15/2026" in row.object_repr


def test_a_chunk_of_fifty_accounts_costs_a_fixed_number_of_queries(
    policy, django_assert_max_num_queries
):
    sas = [past_due() for _ in range(50)]
    ids = [sa.account_id for sa in sas]
    with django_assert_max_num_queries(8):
        outcome = late_notices_create(account_ids=ids, business_date=AS_OF)
    assert len(outcome.notices) == 50


def test_a_chunk_above_the_copy_threshold_writes_notices_history_and_charges(policy):
    """210 accounts: notices, history rows and adjustments go through COPY (cis.bulk)."""
    from accounts.ledger_checks import ledger_breaches
    from delinquency.services.penalties import penalties_assess

    ids = [past_due().account_id for _ in range(210)]
    assert len(late_notices_create(account_ids=ids, business_date=AS_OF).notices) == 210
    notice = LateNotice.objects.first()
    assert notice.recipients[0]["delivery"] == "print"
    assert ChangeRecord.objects.filter(object_id=notice.pk, account_id=notice.account_id)
    assert len(penalties_assess(account_ids=ids, business_date=AS_OF).decisions) == 210
    assert list(ledger_breaches()) == []
