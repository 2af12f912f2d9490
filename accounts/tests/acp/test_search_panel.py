"""Issue 8 items 4, 13 and 14: whole account numbers with column headers and paging past
25, accent-insensitive search that also finds customers and locations with no account,
an honest zero-results message, and the panel's own 404 for unknown or private accounts."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.acp.selectors.search import SEARCH_LIMIT, panel_search
from accounts.models import Customer, CustomerPhone, Location
from accounts.tests.conftest import PASSWORD
from accounts.tests.factories import AccountFactory, CustomerFactory, LocationFactory


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def nunez(reference_data):
    return AccountFactory(
        number="1000000777",
        customer__first_name="José",
        customer__last_name="Ñúñez",
        location__line1="7 Calle Peñón",
    )


@pytest.mark.parametrize("query", ["nunez", "NUNEZ", "Ñúñez", "jose nunez", "nunez, jose"])
def test_search_ignores_accents_in_names(nunez, csr, query):
    result = panel_search(user=csr, query=query)
    assert [a.number for a in result.accounts] == [nunez.number]


def test_search_ignores_accents_in_addresses(nunez, csr):
    assert [a.number for a in panel_search(user=csr, query="calle penon").accounts] == [
        nunez.number
    ]


def test_accent_folding_keeps_private_accounts_hidden(reference_data, csr, admin_user):
    AccountFactory(customer__last_name="Müller", customer__is_public=False)
    assert panel_search(user=csr, query="muller").empty
    assert len(panel_search(user=admin_user, query="muller").accounts) == 1


def test_results_page_past_25_with_headers_and_whole_numbers(client, csr, reference_data):
    for i in range(SEARCH_LIMIT + 5):
        AccountFactory(number=f"10000{i:05d}", customer__last_name=f"Pager{i:02d}")
    login(client, csr)
    url = reverse("acp:search")
    first = client.get(url, {"q": "pager"})
    html = first.content.decode()
    assert first.status_code == 200
    assert html.count('class="result"') == SEARCH_LIMIT
    assert "<span>Account</span><span>Customer</span><span>Service address</span>" in html
    assert "1000000000</span>" in html  # the number whole, never "10000000…"
    assert "Next 25" in html and "page=2" in html
    second = client.get(url, {"q": "pager", "page": "2"}).content.decode()
    assert second.count('class="result"') == 5
    assert "Previous 25" in second and "Next 25" not in second
    assert "Accounts 26–30" in second
    # Page 1 and 2 together list every account once.
    numbers = {a.number for a in panel_search(user=csr, query="pager").accounts} | {
        a.number for a in panel_search(user=csr, query="pager", page=2).accounts
    }
    assert len(numbers) == SEARCH_LIMIT + 5
    # A page number that is not a number is page 1, not a 500.
    assert client.get(url, {"q": "pager", "page": "x"}).status_code == 200
    live = client.get(url, {"q": "pager"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<span>Account</span>" in live and "Next 25" in live


def test_zero_results_say_so_honestly(client, csr, account):
    login(client, csr)
    response = client.get(reverse("acp:search"), {"q": "xyzzy"})
    assert "No customer, location or account matches “xyzzy”." in response.content.decode()
    live = client.get(reverse("acp:search"), {"q": "xyzzy"}, HTTP_HX_REQUEST="true")
    assert "No customer, location or account matches “xyzzy”." in live.content.decode()


def test_landlord_without_account_is_found_and_opens_on_its_own(client, csr, reference_data):
    landlord = CustomerFactory(number="C0005000", first_name="Renée", last_name="Landlórd")
    CustomerPhone.objects.create(customer=landlord, number="2175559000")
    tenant = AccountFactory(location__owner=landlord, location__is_rental=True)
    result = panel_search(user=csr, query="landlord")
    assert result.customers == [landlord] and result.accounts == []
    assert panel_search(user=csr, query="5559000").customers == [landlord]
    login(client, csr)
    # The only match: Enter opens the customer page in the panel's chrome.
    response = client.get(reverse("acp:search"), {"q": "landlord"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("acp:customer", args=["C0005000"])
    assert 'id="acp-q"' in html and "Renée Landlórd" in html
    assert "This customer has no account." in html
    assert tenant.location.line1 in html  # the locations the landlord owns


def test_vacant_location_is_found_and_opens_on_its_own(client, csr, reference_data):
    vacant = LocationFactory(number="L0007000", line1="5 Empty Lot Rd", parcel="P-7000")
    assert panel_search(user=csr, query="empty lot").locations == [vacant]
    assert panel_search(user=csr, query="P-7000").locations == [vacant]
    login(client, csr)
    html = client.get(reverse("acp:open", args=["location", "L0007000"])).content.decode()
    assert "5 Empty Lot Rd" in html and "No account at this location." in html
    assert 'id="acp-q"' in html


def test_private_customer_without_account_is_not_found_by_a_csr(
    client, csr, admin_user, reference_data
):
    CustomerFactory(number="C0006000", last_name="Hiddenlord", is_public=False)
    assert panel_search(user=csr, query="hiddenlord").empty
    assert [c.number for c in panel_search(user=admin_user, query="hiddenlord").customers] == [
        "C0006000"
    ]
    login(client, csr)
    response = client.get(reverse("acp:open", args=["customer", "C0006000"]))
    assert response.status_code == 404 and 'id="acp-q"' in response.content.decode()


def test_records_with_accounts_are_not_listed_twice(account, csr):
    result = panel_search(user=csr, query="Doe")
    assert [a.number for a in result.accounts] == [account.number]
    assert result.customers == [] and result.locations == []
    assert Customer.objects.filter(last_name="Doe").count() == 1
    assert Location.objects.filter(line1="12 Elm St").count() == 1


@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    "path",
    [
        "/acp/9999999999/",
        "/acp/9999999999/tab/notes/",
        "/acp/1000000099/",  # private, for a CSR
        "/acp/1000000099/customer/personal/",
        "/acp/1000000042/no/such/page/",
        "/acp/open/customer/C9999999/",
        "/acp/go/nowhere/next/",
    ],
)
def test_unknown_or_private_account_is_a_404_in_the_panel(client, csr, private_account, path):
    # Numbers of its own: the `account` fixture's fixed L0000042 can meet a factory sequence.
    AccountFactory(number="1000000042", customer__number="CX42", location__number="LX42")
    login(client, csr)
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 404
    assert "accounts/acp/404.html" in [t.name for t in response.templates]
    assert 'id="acp-q"' in html and "No such account" in html
    assert "Using the URLconf" not in html and "technical_404" not in html


def test_private_account_404_is_the_same_as_a_missing_one(client, csr, private_account):
    login(client, csr)

    def page(path, number):
        html = client.get(path).content.decode().replace(number, "N")
        html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    private = page(f"/acp/{private_account.number}/", private_account.number)
    assert private == page("/acp/1000000098/", "1000000098")


def test_admin_still_opens_the_private_account(client, admin_user, private_account):
    login(client, admin_user)
    assert client.get(f"/acp/{private_account.number}/").status_code == 200


def test_accent_folding_still_searches_pattern_characters_literally(reference_data, csr):
    acct = AccountFactory(
        customer__business_name="100% Peñas LLC", customer__customer_type="profit"
    )
    AccountFactory(customer__last_name="Abc")
    assert [a.number for a in panel_search(user=csr, query="100% penas").accounts] == [acct.number]
    for query in ["10_% penas", "%%", "a_c", "O'Brien", "back\\slash", "ñ%", "'; --"]:
        assert panel_search(user=csr, query=query).empty, query
