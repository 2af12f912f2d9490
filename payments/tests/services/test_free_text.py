"""No card number in the free text and references of payments, on every path (issue 7
item 21): the online services (through the model's validators), and the bulk path with a
per-item refusal that leaves the other items posted."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from accounts.ledger_checks import ledger_breaches
from payments.models import Payment, PaymentEvent
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.services.events import PaymentIn, TenderIn, payment_event_create
from payments.tests.factories import account_with, bill, reason, source, tender_type

pytestmark = pytest.mark.usefixtures("pay_ref")
DAY = dt.date(2026, 2, 1)
CARD = "4111 1111 1111 1111"


@pytest.fixture
def account():
    account, (water,) = account_with("WATER")
    bill(account, {water: 50})
    return account


@pytest.mark.parametrize(
    "where", ["check_number", "processor_token", "comments", "event_comments", "match_value"]
)
def test_the_online_path_refuses_card_numbers(account, where):
    tender = {"check_number": "4111111111111111"} if where == "check_number" else {}
    if where == "processor_token":
        tender = {"processor_token": f"x {CARD}"}
    payment = {"comments": f"card {CARD}"} if where == "comments" else {}
    if where == "match_value":
        payment = {"match_value": "4111111111111111"}
    with pytest.raises(ValidationError) as exc:
        payment_event_create(
            tender_source=source(),
            payment_date=DAY,
            tenders=[TenderIn(tender_type=tender_type("CHECK"), amount=D("50.00"), **tender)],
            payments=[PaymentIn(account=account, amount=D("50.00"), **payment)],
            comments=f"card {CARD}" if where == "event_comments" else "",
        )
    assert "card number" in str(exc.value)
    assert not PaymentEvent.objects.exists()


@pytest.mark.parametrize("field", ["check_number", "processor_token", "external_id", "match_value"])
def test_the_bulk_path_refuses_the_item_with_a_card_number(account, field):
    other, (sewer,) = account_with("SEWER")
    bill(other, {sewer: 20})
    items = [
        BulkPayment(
            account_id=account.pk,
            amount=D("50.00"),
            tender_type_id=tender_type("CHECK").pk,
            accounting_date=DAY,
            **{field: "4111-1111-1111-1111"},
        ),
        BulkPayment(
            account_id=other.pk,
            amount=D("20.00"),
            tender_type_id=tender_type("CHECK").pk,
            accounting_date=DAY,
            check_number="1001",
        ),
    ]
    result = payments_post_bulk(items=items, tender_source=source())
    assert result.payment_ids[0] is None
    assert field in result.errors[0] and "card number" in result.errors[0]
    assert result.payment_ids[1] is not None and 1 not in result.errors
    assert list(Payment.objects.values_list("account_id", flat=True)) == [other.pk]
    assert list(ledger_breaches()) == []


def test_the_bulk_path_refuses_an_item_over_the_maximum(account, settings):
    settings.OPENCIS_MAX_AMOUNT = "40.00"
    item = BulkPayment(
        account_id=account.pk,
        amount=D("50.00"),
        tender_type_id=tender_type("CASH").pk,
        accounting_date=DAY,
    )
    result = payments_post_bulk(items=[item], tender_source=source())
    assert result.payment_ids == [None] and "maximum of 40.00" in result.errors[0]
    assert not Payment.objects.exists()


def test_the_panel_cancel_form_refuses_a_card_number_in_the_comment():
    """The cancel services store the comment as given (no `full_clean`): the Payments
    tab's form is where the panel refuses it."""
    from payments.forms import ReasonForm

    keyerr = reason("KEYERR").pk
    form = ReasonForm(data={"reason": keyerr, "comment": f"card {CARD}"})
    assert not form.is_valid()
    assert "card number" in str(form.errors["comment"])
    assert ReasonForm(data={"reason": keyerr, "comment": "keyed twice"}).is_valid()
