"""Finding accounts (seed 004: number, name, business, alt id, address, phone, email,
parcel) and stepping through customers and locations."""

import pytest

from accounts.acp.selectors.search import customer_neighbour, location_neighbour, panel_search
from accounts.models import CustomerEmail
from accounts.tests.factories import AccountFactory


def numbers(user, query):
    return [a.number for a in panel_search(user=user, query=query).accounts]


@pytest.mark.parametrize(
    "query",
    [
        "1000000042",  # account number
        "C0000042",  # customer number
        "Doe",  # last name
        "jane doe",  # first + last, any case
        "Doe, Jane",  # last, first
        "legacy-77",  # alternate id
        "12 Elm",  # service address
        "(217) 555-0142",  # phone, typed with punctuation
        "5550142",  # phone, part of it
        "jane@example.com",  # email
        "044-12-007",  # parcel
        "L0000042",  # location number
    ],
)
def test_search_finds_the_account_by_each_kind_of_key(account, csr, query):
    assert numbers(csr, query) == [account.number]


def test_business_names_match_anywhere(reference_data, csr):
    acct = AccountFactory(
        customer__customer_type="profit",
        customer__business_name="Acme Water Works LLC",
        customer__last_name="",
    )
    assert numbers(csr, "water works") == [acct.number]


def test_private_accounts_are_left_out_for_a_csr_but_not_an_admin(
    account, private_account, csr, admin_user
):
    assert numbers(csr, "Secretson") == []
    assert numbers(csr, private_account.number) == []
    assert numbers(admin_user, "Secretson") == [private_account.number]


def test_no_duplicates_when_several_emails_match(account, csr):
    CustomerEmail.objects.create(customer=account.customer, address="jane.work@example.com")
    assert numbers(csr, "example.com") == [account.number]


def test_exact_account_number_comes_first_and_short_queries_find_nothing(account, csr):
    AccountFactory(number="10000000420", customer__last_name="Zed")
    assert numbers(csr, "1000000042")[0] == account.number
    assert numbers(csr, "D") == []


def test_arrows_step_through_visible_customers_and_locations(
    account, private_account, csr, reference_data
):
    later = AccountFactory(customer__number="C0000100", location__number="L0000100")
    # C0000042 -> (C0000099 is private for a CSR) -> C0000100
    assert customer_neighbour(user=csr, number="C0000042", direction="next") == later
    assert customer_neighbour(user=csr, number="C0000100", direction="prev") == account
    assert customer_neighbour(user=csr, number=None, direction="next") == account
    assert customer_neighbour(user=csr, number="C0000100", direction="next") is None
    assert location_neighbour(user=csr, number="L0000042", direction="next") == later
