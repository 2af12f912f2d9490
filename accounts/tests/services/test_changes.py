"""The change history: who changed which field from what to what, PII masked."""

from django.utils import timezone

from accounts.acp.selectors.changes import changes_for_customer, changes_for_location
from accounts.models import AccountStatusCode, ChangeRecord, CustomField
from accounts.services.customers import (
    account_flags_update,
    customer_custom_fields_update,
    customer_personal_update,
    customer_update,
)
from accounts.services.locations import location_update


def test_customer_id_changes_are_recorded_with_user_and_values(account, csr, reference_data):
    customer = account.customer
    status = AccountStatusCode.objects.get(code="WATCH")
    customer_update(
        customer=customer,
        user=csr,
        data={"last_name": "Doe-Smith", "account_status": status, "is_bankrupt": True},
    )
    rows = {r.field: r for r in changes_for_customer(customer_id=customer.pk)}
    assert (rows["last_name"].old_value, rows["last_name"].new_value) == ("Doe", "Doe-Smith")
    assert rows["last_name"].user == csr and rows["last_name"].label == "Last name"
    assert rows["account_status"].new_value.startswith("WATCH")
    assert rows["is_bankrupt"].new_value == "Yes"
    # seed 004: the status date is stamped on save, and that is in the history too
    assert customer.account_status_assigned_on == timezone.localdate()
    assert "account_status_assigned_on" in rows


def test_nothing_is_recorded_when_nothing_changed(account, csr):
    before = ChangeRecord.objects.count()
    customer_update(customer=account.customer, user=csr, data={"last_name": "Doe"})
    assert ChangeRecord.objects.count() == before


def test_ssn_changes_are_recorded_masked(account, csr):
    customer_personal_update(customer=account.customer, user=csr, data={"ssn": "219-09-9998"})
    row = ChangeRecord.objects.get(field="ssn")
    assert "6789" in row.old_value and "9998" in row.new_value
    assert "219099998" not in row.new_value and "123456789" not in row.old_value
    account.customer.refresh_from_db()
    assert account.customer.ssn == "219099998"


def test_custom_fields_are_recorded_one_line_each(account, csr, reference_data):
    assert CustomField.objects.filter(code="AKA").exists()
    customer_custom_fields_update(customer=account.customer, user=csr, raw={"AKA": "J. Doe"})
    row = ChangeRecord.objects.get(field="custom_fields.AKA")
    assert (row.old_value, row.new_value) == ("", "J. Doe")


def test_location_and_account_changes_show_on_their_records(account, csr, supervisor):
    location_update(location=account.location, user=csr, data={"route": "77", "on_lien": True})
    fields = {r.field for r in changes_for_location(location_id=account.location_id)}
    assert {"route", "on_lien"} <= fields
    account_flags_update(account=account, user=supervisor, data={"is_budget_billing": True})
    row = ChangeRecord.objects.get(field="is_budget_billing")
    assert row.account_id == account.pk and row.user == supervisor
