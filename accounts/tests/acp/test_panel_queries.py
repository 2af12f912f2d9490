"""The panel stays cheap for an old account: five years of bills and payments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.demo import month_shift
from accounts.models import (
    AdjustmentType,
    Bill,
    BillSegment,
    Contact,
    ContactType,
    FinancialTransaction,
    GLAccount,
    Note,
    NoteType,
    SAType,
    SpecialCondition,
    SpecialConditionType,
)
from accounts.services.adjustments import adjustment_create
from accounts.services.ledger import Posting, ledger_post
from accounts.tests.conftest import PASSWORD
from accounts.tests.factories import ServiceAgreementFactory
from cis.bulk import bulk_insert

YEARS = 5
TABS = ["customer", "contacts", "location", "owner", "notes", "history", "special_conditions"]


@pytest.fixture
def old_account(account, reference_data):
    """60 monthly bills on four SAs, each paid a month later, plus adjustments, notes,
    contacts and conditions: what a long-time customer's panel carries."""
    sas = [
        ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code=code))
        for code in ("SEWER", "ELEC", "DEPOSIT")
    ]
    sas.insert(0, account.agreements.get(sa_type__code="WATER"))  # DEPOSIT is sas[3]
    cash = GLAccount.objects.get(code="1000")
    first = dt.date(2021, 1, 5)
    bills, postings = [], []
    for month in range(YEARS * 12):
        day = month_shift(first, month, 5)
        bills.append(
            Bill(
                account=account,
                bill_date=day,
                due_date=day + dt.timedelta(days=21),
                status=Bill.Status.COMPLETE,
                total=Decimal("160.00"),
            )
        )
    bulk_insert(Bill, bills)
    segments = []
    for bill in bills:
        for sa in sas[:4]:
            segments.append(BillSegment(bill=bill, sa=sa, amount=Decimal("40.00")))
            postings.append(
                Posting(
                    sa_id=sa.pk,
                    account_id=account.pk,
                    receivable_gl_id=sa.sa_type.receivable_gl_id,
                    offset_gl_id=sa.sa_type.revenue_gl_id,
                    kind="bill_segment",
                    amount=Decimal("40.00"),
                    accounting_date=bill.bill_date,
                    arrears_date=bill.due_date,
                    bill_id=bill.pk,
                    description="Bill",
                )
            )
            postings.append(
                Posting(
                    sa_id=sa.pk,
                    account_id=account.pk,
                    receivable_gl_id=sa.sa_type.receivable_gl_id,
                    offset_gl_id=cash.pk,
                    kind="pay_segment",
                    amount=Decimal("-40.00"),
                    accounting_date=bill.due_date,
                    description="Payment",
                )
            )
    bulk_insert(BillSegment, segments)
    ledger_post(postings=postings)
    late = AdjustmentType.objects.get(code="LATE")
    for _ in range(3):
        adjustment_create(sa=sas[0], adjustment_type=late, amount=Decimal("5.00"))
    general = NoteType.objects.get(code="GEN")
    Note.objects.bulk_create(
        Note(
            level="account",
            account=account,
            note_type=general,
            subject=f"Note {n}",
            text=f"Note {n}",
            show_in_message_center=n % 3 == 0,
        )
        for n in range(30)
    )
    Contact.objects.create(
        contact_type=ContactType.objects.get(code="EMERGENCY"),
        customer=account.customer,
        first_name="Al",
        last_name="Doe",
    )
    SpecialCondition.objects.create(
        account=account,
        effective_on=first,
        condition_type=SpecialConditionType.objects.get(code="DOG"),
    )
    location = account.location
    location.is_rental = True
    location.owner = account.customer
    location.save()
    assert FinancialTransaction.objects.filter(account=account).count() >= YEARS * 12 * 8
    return account


@pytest.mark.parametrize("tab", TABS)
def test_each_tab_renders_in_under_50_queries(
    client, csr, old_account, tab, django_assert_max_num_queries
):
    assert client.login(username=csr.username, password=PASSWORD)
    url = reverse("acp:panel", args=[old_account.number]) + f"?tab={tab}"
    with django_assert_max_num_queries(50):
        response = client.get(url)
    assert response.status_code == 200


def test_history_shows_every_transaction_with_a_running_balance(client, csr, old_account):
    assert client.login(username=csr.username, password=PASSWORD)
    response = client.get(reverse("acp:panel", args=[old_account.number]) + "?tab=history")
    rows = response.context["rows"]
    fts = FinancialTransaction.objects.filter(account=old_account)
    assert len(rows) == fts.count()
    old_account.refresh_from_db()
    assert rows[0].balance == old_account.balance  # newest first, ends at the balance
    payments = client.get(
        reverse("acp:tab", args=[old_account.number, "history"]) + "?view=payments",
        HTTP_HX_REQUEST="true",
    ).context["rows"]
    assert payments and all(r.ft.kind == "pay_segment" for r in payments)


def test_message_center_counts_late_charges_and_dashboard_shows_last_payment(
    client, csr, old_account
):
    assert client.login(username=csr.username, password=PASSWORD)
    response = client.get(reverse("acp:panel", args=[old_account.number]))
    rows = dict(response.context["mc"].rows)
    assert rows["Late charges (last 12 months)"] == "3"
    assert rows["Deposits holding"] == "$2,400.00"  # 60 months x $40 paid into DEPOSIT
    last = response.context["dash"].facts.last_payment
    assert last.amount == Decimal("160.00")
