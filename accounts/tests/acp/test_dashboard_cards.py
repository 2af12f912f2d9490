"""The dashboard's Service Location Information card (seed 004): cycle, route, revenue
class, description, parcel and owner; without an owner the customer's name."""

import re

from django.urls import reverse

from accounts.models import Customer
from accounts.tests.conftest import PASSWORD
from accounts.tests.factories import CustomerFactory


def _card(client, account) -> dict[str, str]:
    html = client.get(reverse("acp:panel", args=[account.number])).content.decode()
    card = re.search(r'aria-labelledby="card-service-h">(.*?)</article>', html, re.S).group(1)
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", card, re.S)
    return {k: re.sub(r"<[^>]+>|\s+", " ", v).strip() for k, v in pairs}


def test_service_location_card_shows_cycle_route_class_parcel_and_owner(client, csr, account):
    assert client.login(username=csr.username, password=PASSWORD)
    location = account.location
    location.route, location.description = "R-17", "Corner lot"
    location.save(update_fields=["route", "description"])
    card = _card(client, account)
    assert card["Cycle"] == location.cycle.code
    assert card["Route"] == "R-17"
    assert card["Rev. class"].startswith(location.revenue_class.code)
    assert card["Description"] == "Corner lot"
    assert card["Parcel"] == "044-12-007"
    # no owner on file: the customer
    assert card["Owner / cust."] == Customer.objects.get(pk=account.customer_id).display_name
    # a rental with an owner names the owner
    owner = CustomerFactory(last_name="Landlord", first_name="Lee")
    location.is_rental, location.owner = True, owner
    location.save(update_fields=["is_rental", "owner"])
    assert _card(client, account)["Owner"] == owner.display_name


def test_location_tab_service_grid_lists_each_service_with_its_balance(client, csr, account):
    """seed 004 Service Grid: rate code, status, date on, balance and active per service."""
    assert client.login(username=csr.username, password=PASSWORD)
    sa = account.agreements.get()
    html = client.get(
        reverse("acp:panel", args=[account.number]) + "?tab=location"
    ).content.decode()
    grid = re.search(r'aria-label="Service grid">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr><td>(.*?)</tr>", grid, re.S)
    assert len(rows) == 1
    cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.split(r"</td><td[^>]*>", rows[0])]
    assert cells[0] == sa.sa_type.description
    assert cells[3] == sa.start_date.strftime("%m/%d/%Y")
    assert cells[5] == "$100.00"
