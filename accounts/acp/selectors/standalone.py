"""A customer or a location opened in the panel on its own (issue 13 item 8): a landlord
with no account, a vacant location, or any customer / location whose record is wanted
rather than one of its accounts. Read-only; a private customer is a 404 for those who may
not see it (the same rule as accounts_visible), and a location shows only the accounts
this user may see."""

from dataclasses import dataclass

from django.db.models import Prefetch

from ...models import Account, Customer, CustomerAddress, CustomerEmail, CustomerPhone, Location
from .access import accounts_preferred_first, accounts_visible, customer_visible, rows_visible


@dataclass(frozen=True)
class CustomerPage:
    customer: Customer
    addresses: list[CustomerAddress]
    phones: list[CustomerPhone]
    emails: list[CustomerEmail]
    owned_locations: list[Location]  # as landlord
    accounts: list[Account]  # preferred first (current, waiting, final; newest)


@dataclass(frozen=True)
class LocationPage:
    location: Location
    owner: Customer | None  # None when there is none or it is private for this user
    owner_private: bool
    accounts: list[Account]  # newest first: the tenants, current and past


def customer_page(*, user, number: str) -> CustomerPage | None:
    """The customer and everything the page shows, in a fixed number of queries."""
    customer = (
        rows_visible(Customer.objects.all(), user=user, via="")
        .filter(number=number)
        .prefetch_related(
            Prefetch("addresses", CustomerAddress.objects.order_by("-is_primary", "pk")),
            Prefetch("phones", CustomerPhone.objects.order_by("-is_primary", "pk")),
            Prefetch("emails", CustomerEmail.objects.order_by("-is_primary", "pk")),
            Prefetch(
                "owned_locations",
                Location.objects.select_related("revenue_class").order_by("line1", "number"),
            ),
        )
        .first()
    )
    if customer is None:
        return None
    accounts = list(
        accounts_preferred_first(
            accounts_visible(user=user).filter(customer=customer)
        ).select_related("location")
    )
    return CustomerPage(
        customer=customer,
        addresses=list(customer.addresses.all()),
        phones=list(customer.phones.all()),
        emails=list(customer.emails.all()),
        owned_locations=list(customer.owned_locations.all()),
        accounts=accounts,
    )


def location_page(*, user, number: str) -> LocationPage | None:
    location = (
        Location.objects.filter(number=number)
        .select_related("revenue_class", "cycle", "owner")
        .first()
    )
    if location is None:
        return None
    owner = location.owner
    owner_private = owner is not None and not customer_visible(user=user, customer=owner)
    accounts = list(
        accounts_visible(user=user)
        .filter(location=location)
        .select_related("customer")
        .order_by("-opened_on", "-pk")
    )
    return LocationPage(
        location=location,
        owner=None if owner_private else owner,
        owner_private=owner_private,
        accounts=accounts,
    )
