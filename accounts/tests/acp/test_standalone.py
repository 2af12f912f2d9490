"""Issue 13 item 8: a customer or a location opened in the panel on its own, at
/acp/customer/<number>/ and /acp/location/<number>/, from search and from the Owner tab.
Read-only; private customers are a 404 for a CSR; login required; queries bounded."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account, CustomerAddress, CustomerEmail, CustomerPhone
from accounts.tests.conftest import PASSWORD
from accounts.tests.factories import AccountFactory, CustomerFactory, LocationFactory


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def landlord(reference_data):
    """Renée Landlórd owns 5 Empty Lot Rd (vacant) and 9 Oak Ave (a past tenant, Pat Gone,
    final since 2024) and has no account of her own."""
    owner = CustomerFactory(
        number="C0005000", first_name="Renée", last_name="Landlórd", customer_type="individual"
    )
    CustomerAddress.objects.create(
        customer=owner,
        kind="mailing",
        line1="1 Owner Plaza",
        city="Springfield",
        state="IL",
        postal_code="62704",
        is_primary=True,
    )
    CustomerPhone.objects.create(customer=owner, number="2175559000", is_primary=True)
    CustomerEmail.objects.create(customer=owner, address="renee@landlord.example")
    LocationFactory(
        number="L0007000", line1="5 Empty Lot Rd", owner=owner, is_rental=True, parcel="P-7000"
    )
    AccountFactory(
        number="1000007001",
        customer__number="C0007001",
        customer__first_name="Pat",
        customer__last_name="Gone",
        location__number="L0007001",
        location__line1="9 Oak Ave",
        location__owner=owner,
        location__is_rental=True,
        activity_status=Account.ActivityStatus.FINAL,
        opened_on=dt.date(2021, 3, 1),
        closed_on=dt.date(2024, 6, 30),
    )
    return owner


def test_search_lists_the_landlord_and_the_vacant_location_marked_no_account(client, csr, landlord):
    login(client, csr)
    html = client.get(reverse("acp:search"), {"q": "landlord"}, HTTP_HX_REQUEST="true")
    html = html.content.decode()
    assert f'href="{reverse("acp:customer", args=["C0005000"])}"' in html
    assert "Renée Landlórd" in html and "No account" in html
    html = client.get(reverse("acp:search"), {"q": "empty lot"}, HTTP_HX_REQUEST="true")
    html = html.content.decode()
    assert f'href="{reverse("acp:location", args=["L0007000"])}"' in html
    assert "Vacant location" in html and "No account" in html
    # Enter on the only match opens its page directly.
    response = client.get(reverse("acp:search"), {"q": "P-7000"})
    assert response.status_code == 302
    assert response["Location"] == reverse("acp:location", args=["L0007000"])


def test_customer_page_shows_the_landlord_and_what_she_owns(client, csr, landlord):
    login(client, csr)
    response = client.get(reverse("acp:customer", args=["C0005000"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="acp-q"' in html  # inside the panel's chrome
    assert '<h1 id="rec-h">Renée Landlórd</h1>' in html
    assert "Customer C0005000" in html and "no account" in html
    assert "1 Owner Plaza" in html and "62704" in html
    assert "(217) 555-9000" in html or "2175559000" in html
    assert "renee@landlord.example" in html
    assert "owner of 2 locations" in html
    assert f'href="{reverse("acp:location", args=["L0007000"])}"' in html
    assert f'href="{reverse("acp:location", args=["L0007001"])}"' in html
    assert "This customer has no account." in html
    # Read-only: none of the panel's edit buttons (they need an account).
    assert "hx-post" not in html and "Add address" not in html and ">Edit<" not in html


def test_customer_page_lists_the_accounts_of_a_customer_who_has_some(client, csr, landlord):
    login(client, csr)
    html = client.get(reverse("acp:customer", args=["C0007001"])).content.decode()
    assert "Pat Gone" in html and "This customer has no account." not in html
    assert f'href="{reverse("acp:panel", args=["1000007001"])}"' in html
    assert "9 Oak Ave" in html and "Final" in html and "06/30/2024" in html


def test_location_page_shows_details_owner_and_past_tenants(client, csr, landlord):
    login(client, csr)
    response = client.get(reverse("acp:location", args=["L0007001"]))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="acp-q"' in html
    assert '<h1 id="rec-h">9 Oak Ave</h1>' in html
    assert "RES" in html and "<dt>Cycle</dt><dd>01</dd>" in html
    assert f'<a href="{reverse("acp:customer", args=["C0005000"])}">Renée Landlórd</a>' in html
    # The past tenant, linked to the account and to the customer.
    assert f'href="{reverse("acp:panel", args=["1000007001"])}"' in html
    assert f'href="{reverse("acp:customer", args=["C0007001"])}"' in html
    assert "Pat Gone" in html and "03/01/2021" in html and "06/30/2024" in html
    assert "vacant, no account" not in html
    vacant = client.get(reverse("acp:location", args=["L0007000"])).content.decode()
    assert "5 Empty Lot Rd" in vacant and "P-7000" in vacant
    assert "vacant, no account" in vacant and "No account at this location." in vacant


def test_unknown_numbers_are_the_panels_404(client, csr, reference_data):
    login(client, csr)
    for url in (reverse("acp:customer", args=["C9"]), reverse("acp:location", args=["L9"])):
        response = client.get(url)
        assert response.status_code == 404
        assert "accounts/acp/404.html" in [t.name for t in response.templates]


def test_private_customer_is_hidden_from_a_csr(client, csr, admin_user, reference_data):
    owner = CustomerFactory(number="C0006000", last_name="Hiddenlord", is_public=False)
    LocationFactory(number="L0006000", line1="3 Secret Way", owner=owner)
    AccountFactory(
        customer__number="C0006001",
        customer__last_name="Quietenant",
        customer__is_public=False,
        location__number="L0006001",
        location__line1="4 Quiet Ct",
    )
    login(client, csr)
    for number in ("C0006000", "C0006001"):
        response = client.get(reverse("acp:customer", args=[number]))
        assert response.status_code == 404 and "Hiddenlord" not in response.content.decode()
        # The old address that opened a record on its own says the same.
        assert client.get(reverse("acp:open", args=["customer", number])).status_code == 404
    html = client.get(reverse("acp:location", args=["L0006000"])).content.decode()
    assert "3 Secret Way" in html and "Hiddenlord" not in html and "C0006000" not in html
    html = client.get(reverse("acp:location", args=["L0006001"])).content.decode()
    assert "Quietenant" not in html and "No account at this location." in html
    client.logout()
    login(client, admin_user)
    html = client.get(reverse("acp:customer", args=["C0006000"])).content.decode()
    assert "Hiddenlord" in html and "Private" in html
    html = client.get(reverse("acp:location", args=["L0006001"])).content.decode()
    assert "Quietenant" in html


def test_anonymous_is_sent_to_log_in(client, landlord):
    for url in (
        reverse("acp:customer", args=["C0005000"]),
        reverse("acp:location", args=["L0007000"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
        assert "Renée" not in response.content.decode()


def test_owner_tab_links_the_owner_to_its_customer_page(client, csr, landlord):
    tenant = AccountFactory(number="1000007002", location__owner=landlord, location__is_rental=True)
    login(client, csr)
    html = client.get(
        reverse("acp:tab", args=[tenant.number, "owner"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'href="{reverse("acp:customer", args=["C0005000"])}"' in html
    assert "Renée Landlórd" in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queries_do_not_grow_with_locations_or_accounts(client, csr, landlord):
    login(client, csr)
    customer_url = reverse("acp:customer", args=["C0005000"])
    location_url = reverse("acp:location", args=["L0007001"])
    before = _queries(client, customer_url), _queries(client, location_url)
    for i in range(6):
        loc = LocationFactory(owner=landlord, line1=f"{i} More St")
        AccountFactory(customer=landlord, location=loc)
        AccountFactory(
            location=landlord.owned_locations.get(number="L0007001"),
            activity_status=Account.ActivityStatus.FINAL,
        )
    after = _queries(client, customer_url), _queries(client, location_url)
    assert after == before
    assert max(after) <= 15
