"""Autopay enrollment (seed 001 steps 1.2-1.5; seed 004 Auto Payment sub-tab)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from accounts.models import ChangeRecord
from accounts.services.pii import RevealRefused
from autopay.models import Enrollment
from autopay.services.enrollment import (
    autopay_change,
    autopay_enroll,
    autopay_stop,
    bank_account_reveal,
)
from cis.models import PiiRevealAudit

from .conftest import PASSWORD

ROUTING = "011000015"  # a valid ABA check digit (Federal Reserve Bank of Boston)
DRAFT = {
    "kind": "draft",
    "bank_account_type": "checking",
    "routing_number": ROUTING,
    "bank_account_number": "000123456789",
    "amount_option": "balance",
}
CARD = {
    "kind": "card",
    "processor": "sandbox",
    "card_token": "sbx_approve_visa_4242_1230",
    "amount_option": "fixed",
    "amount": "45.00",
}


def test_draft_enrollment_stores_the_bank_number_encrypted_and_shows_it_masked(account, csr):
    enrollment = autopay_enroll(account=account, user=csr, data=DRAFT)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT bank_account_number FROM autopay_enrollment WHERE id = %s", [enrollment.pk]
        )
        (stored,) = cur.fetchone()
    assert "123456789" not in stored
    fresh = Enrollment.objects.get(pk=enrollment.pk)
    assert fresh.bank_account_number == "000123456789"
    assert fresh.masked_number.endswith("6789") and "2345" not in fresh.masked_number
    history = ChangeRecord.objects.filter(account=account, object_id=enrollment.pk)
    assert history.filter(action="created").exists()
    shown = history.get(field="bank_account_number").new_value
    assert shown.endswith("6789") and "12345" not in shown


@pytest.mark.parametrize(
    "change, field",
    [
        ({"routing_number": "011000016"}, "routing_number"),  # bad check digit
        ({"routing_number": "12345"}, "routing_number"),
        ({"bank_account_number": "12ab"}, "bank_account_number"),
        ({"bank_account_type": "money-market"}, "bank_account_type"),
        ({"amount_option": "maximum"}, "amount"),  # a cap needs its amount
        ({"amount_option": "fixed", "amount": "0"}, "amount"),
        ({"amount_option": "fixed", "amount": "1e3"}, "amount"),
        ({"amount_option": "fixed", "amount": "12.345"}, "amount"),
        ({"amount_option": "fixed", "amount": "100000000.00"}, "amount"),
        ({"start_on": dt.date(2027, 1, 10), "end_on": dt.date(2027, 1, 1)}, "end_on"),
    ],
)
def test_bad_draft_details_are_refused_by_field(account, csr, change, field):
    with pytest.raises(ValidationError) as err:
        autopay_enroll(account=account, user=csr, data={**DRAFT, **change})
    assert field in err.value.message_dict
    assert not Enrollment.objects.exists()


def test_card_enrollment_keeps_the_token_and_what_the_customer_recognises(account, csr):
    enrollment = autopay_enroll(account=account, user=csr, data=CARD)
    assert (enrollment.card_brand, enrollment.card_last4) == ("Visa", "4242")
    assert enrollment.card_expires_on == dt.date(2030, 12, 31)
    assert enrollment.amount == D("45.00") and enrollment.method_label == "Credit card"


@pytest.mark.parametrize("token", ["4242424242424242", "sbx_approve_visa_4242_1320", "tok_x"])
def test_an_unknown_card_token_is_refused(account, csr, token):
    with pytest.raises(ValidationError) as err:
        autopay_enroll(account=account, user=csr, data={**CARD, "card_token": token})
    assert "card_token" in err.value.message_dict


def test_an_expired_card_is_refused(account, csr):
    with pytest.raises(ValidationError, match="expired"):
        autopay_enroll(
            account=account, user=csr, data={**CARD, "card_token": "sbx_approve_visa_4242_0120"}
        )


def test_one_running_autopay_per_account_and_a_stop_allows_a_new_one(account, csr):
    first = autopay_enroll(account=account, user=csr, data=DRAFT)
    with pytest.raises(ValidationError, match="already has"):
        autopay_enroll(account=account, user=csr, data=CARD)
    autopay_stop(enrollment=first, user=csr, reason="customer", comment="moving banks")
    second = autopay_enroll(account=account, user=csr, data=CARD)
    first.refresh_from_db()
    assert first.stop_reason == "customer" and first.stopped_on is not None
    assert not first.is_running_on(first.stopped_on)
    assert second.is_running_on(second.start_on)
    changed = ChangeRecord.objects.filter(object_id=first.pk, field="stop_reason").get()
    assert changed.new_value == "Customer asked to stop" and changed.user == csr


def test_the_database_refuses_a_second_running_autopay(account, csr):
    """The service's check is not the only guard: two CSRs saving at once hit the index."""
    autopay_enroll(account=account, user=csr, data=DRAFT)
    with pytest.raises(IntegrityError):
        Enrollment.objects.create(
            account=account, start_on=dt.date(2026, 1, 1), **{**CARD, "amount": D("45.00")}
        )


def test_a_change_writes_one_history_row_per_changed_field(account, csr):
    enrollment = autopay_enroll(account=account, user=csr, data=DRAFT)
    ChangeRecord.objects.all().delete()
    autopay_change(
        enrollment=enrollment,
        user=csr,
        data={"amount_option": "maximum", "amount": "150.00", "bank_account_number": "99887766"},
    )
    rows = {r.field: r for r in ChangeRecord.objects.filter(object_id=enrollment.pk)}
    assert set(rows) == {"amount_option", "amount", "bank_account_number"}
    assert rows["amount"].new_value == "150.00"
    assert rows["bank_account_number"].old_value.endswith("6789")
    assert rows["bank_account_number"].new_value.endswith("7766")
    assert "99887766" not in rows["bank_account_number"].new_value
    assert Enrollment.objects.get(pk=enrollment.pk).bank_account_last4 == "7766"


def test_a_stopped_autopay_cannot_be_changed(account, csr):
    enrollment = autopay_enroll(account=account, user=csr, data=DRAFT)
    autopay_stop(enrollment=enrollment, user=csr, reason="customer")
    with pytest.raises(ValidationError, match="stopped"):
        autopay_change(enrollment=enrollment, user=csr, data={"amount_option": "balance"})


def test_reveal_of_the_bank_number_needs_the_password_and_is_audited(account, csr):
    enrollment = autopay_enroll(account=account, user=csr, data=DRAFT)
    nobody = User.objects.create_user("nobody", password=PASSWORD)
    with pytest.raises(RevealRefused, match="permission"):
        bank_account_reveal(user=nobody, enrollment=enrollment, password=PASSWORD)
    with pytest.raises(RevealRefused, match="password"):
        bank_account_reveal(user=csr, enrollment=enrollment, password="guess")
    assert not PiiRevealAudit.objects.exists()
    value = bank_account_reveal(user=csr, enrollment=enrollment, password=PASSWORD)
    assert value == "000123456789"
    audit = PiiRevealAudit.objects.get()
    assert (audit.user, audit.customer_id, audit.field) == (
        csr,
        account.customer_id,
        "bank_account_number",
    )
    assert str(enrollment.pk) in audit.detail
