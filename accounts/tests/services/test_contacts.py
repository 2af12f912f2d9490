"""Contacts: customer or location contacts, notices, their own primary entries."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import ContactAddress, ContactType
from accounts.services.contacts import (
    contact_create,
    contact_point_of_contact_delete,
    contact_point_of_contact_save,
    contact_update,
)


def _data(code: str, **extra) -> dict:
    return {
        "contact_type": ContactType.objects.get(code=code),
        "first_name": "Ann",
        "last_name": "Lee",
        "notices": "none",
        **extra,
    }


def test_contact_type_decides_customer_or_location(account, csr):
    emergency = contact_create(account=account, user=csr, data=_data("EMERGENCY"))
    landlord = contact_create(account=account, user=csr, data=_data("LANDLORD"))
    assert emergency.customer_id == account.customer_id and emergency.location is None
    assert landlord.location_id == account.location_id and landlord.customer is None
    moved = contact_update(contact=emergency, account=account, user=csr, data=_data("MANAGER"))
    assert moved.location_id == account.location_id and moved.customer is None


def test_mail_notices_need_an_address_and_keep_it(account, csr):
    with pytest.raises(ValidationError) as e:
        contact_create(account=account, user=csr, data=_data("EMERGENCY", notices="mail"))
    assert "notices" in e.value.message_dict
    contact = contact_create(account=account, user=csr, data=_data("EMERGENCY"))
    address = contact_point_of_contact_save(
        contact=contact,
        user=csr,
        item=ContactAddress(contact=contact),
        make_primary=False,
        data={
            "kind": "mailing",
            "line1": "5 Pine",
            "city": "Salem",
            "state": "OR",
            "postal_code": "",
            "country": "US",
            "line2": "",
        },
    )
    assert address.is_primary  # the only one
    contact_update(contact=contact, account=account, user=csr, data={"notices": "mail"})
    with pytest.raises(ValidationError):
        contact_point_of_contact_delete(contact=contact, user=csr, item=address)


def test_email_notices_need_an_email(account, csr):
    contact = contact_create(account=account, user=csr, data=_data("EMERGENCY"))
    with pytest.raises(ValidationError):
        contact_update(contact=contact, account=account, user=csr, data={"notices": "email"})
