"""One primary address / phone / email per customer and per contact (seed 004)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import CustomerAddress, CustomerEmail, CustomerPhone
from accounts.services.customers import (
    customer_address_save,
    customer_contact_point_delete,
    customer_email_save,
    customer_notices_update,
    customer_phone_save,
)
from accounts.tests.factories import CustomerFactory

ADDRESS = {
    "kind": "mailing",
    "line1": "1 Main St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
}


@pytest.fixture
def customer(db):
    return CustomerFactory()


def test_first_address_is_primary_even_unasked(customer, csr):
    address = customer_address_save(customer=customer, user=csr, data=ADDRESS, make_primary=False)
    assert address.is_primary


def test_a_later_address_takes_primary_only_when_asked(customer, csr):
    first = customer_address_save(customer=customer, user=csr, data=ADDRESS, make_primary=False)
    second = customer_address_save(
        customer=customer, user=csr, data={**ADDRESS, "line1": "2 Oak"}, make_primary=False
    )
    assert not second.is_primary
    third = customer_address_save(
        customer=customer, user=csr, data={**ADDRESS, "line1": "3 Ash"}, make_primary=True
    )
    first.refresh_from_db()
    assert third.is_primary and not first.is_primary
    assert CustomerAddress.objects.filter(customer=customer, is_primary=True).count() == 1


def test_the_primary_box_cannot_simply_be_unchecked(customer, csr):
    first = customer_address_save(customer=customer, user=csr, data=ADDRESS, make_primary=True)
    with pytest.raises(ValidationError) as e:
        customer_address_save(
            customer=customer, user=csr, data=ADDRESS, make_primary=False, address=first
        )
    assert "is_primary" in e.value.message_dict


def test_deleting_the_primary_hands_it_to_the_oldest_remaining(customer, csr):
    numbers = ["2175550001", "2175550002", "2175550003"]
    phones = [
        customer_phone_save(
            customer=customer,
            user=csr,
            data={"kind": "home", "number": n, "extension": ""},
            make_primary=(n == numbers[2]),
        )
        for n in numbers
    ]
    customer_contact_point_delete(customer=customer, user=csr, item=phones[2])
    assert list(CustomerPhone.objects.filter(is_primary=True).values_list("number", flat=True)) == [
        numbers[0]
    ]


def test_invalid_values_are_refused_field_by_field(customer, csr):
    with pytest.raises(ValidationError) as e:
        customer_email_save(
            customer=customer, user=csr, data={"address": "nope"}, make_primary=True
        )
    assert "address" in e.value.message_dict


def test_email_notices_need_an_email_and_keep_the_last_one(customer, csr):
    with pytest.raises(ValidationError):
        customer_notices_update(customer=customer, user=csr, mail_notices=True, email_notices=True)
    email = customer_email_save(
        customer=customer, user=csr, data={"address": "a@example.com"}, make_primary=False
    )
    customer_notices_update(customer=customer, user=csr, mail_notices=False, email_notices=True)
    with pytest.raises(ValidationError):
        customer_contact_point_delete(customer=customer, user=csr, item=email)
    assert CustomerEmail.objects.filter(pk=email.pk).exists()


def test_an_entry_of_another_customer_is_refused(customer, csr):
    other = CustomerFactory()
    address = customer_address_save(customer=other, user=csr, data=ADDRESS, make_primary=True)
    with pytest.raises(ValidationError):
        customer_address_save(
            customer=customer, user=csr, data=ADDRESS, make_primary=True, address=address
        )
