"""Finding an account (seed 004: search by account number, name, business name,
alternate id, address, phone, email, parcel) and stepping through customers and
locations with the card arrows."""

import re
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from ...models import Account, Customer, CustomerAddress, CustomerEmail, CustomerPhone, Location
from .access import accounts_preferred_first, accounts_visible, rows_visible

SEARCH_LIMIT = 25  # accounts per page of results
RECORD_LIMIT = 10  # customers / locations without an account shown beside them
Direction = Literal["next", "prev"]


@dataclass(frozen=True)
class SearchResult:
    accounts: list[Account]
    more: bool  # a next page of accounts exists
    page: int = 1
    # Customers and locations that have no account (a landlord, a vacant location): found
    # by the same keys and opened in the panel on their own (issue 8 item 13).
    customers: list[Customer] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.accounts or self.customers or self.locations)

    @property
    def record_count(self) -> int:
        return len(self.customers) + len(self.locations)

    @property
    def first_number(self) -> int:
        return (self.page - 1) * SEARCH_LIMIT + 1

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.accounts) - 1


def _fold(path: str, lookup: str) -> str:
    """An accent-insensitive lookup ("nunez" finds "Ñúñez"): UNACCENT() is PostgreSQL's
    unaccent extension (migration 0007), on SQLite the Python fold registered in
    accounts.apps."""
    return f"{path}__unaccent__{lookup}"


def _name_q(text: str, c: str) -> Q:
    """'Doe', 'Jane Doe' or 'Doe, Jane': names match from their start (case- and
    accent-insensitive); business names anywhere. `c` is the path to the customer."""
    last, first, business = f"{c}last_name", f"{c}first_name", f"{c}business_name"
    q = Q(**{_fold(last, "istartswith"): text}) | Q(**{_fold(business, "icontains"): text})
    if "," in text:
        last_part, first_part = (part.strip() for part in text.split(",", 1))
        if last_part and first_part:
            q |= Q(
                **{
                    _fold(last, "istartswith"): last_part,
                    _fold(first, "istartswith"): first_part,
                }
            )
    else:
        words = text.split()
        if len(words) >= 2:
            q |= Q(**{_fold(first, "istartswith"): words[0], _fold(last, "istartswith"): words[-1]})
    return q


def _keys_q(query: str, *, c: str | None, loc: str | None, account: bool) -> Q:
    """The filter for one search box entry; what it tries depends on what was typed.
    `c` / `loc` are the paths from the searched model to its customer / location ("" for
    the model itself, None when it has none); `account` when it is the Account."""
    text = " ".join(query.split())
    digits = re.sub(r"\D", "", text)
    cust_ref = c.rstrip("_") if c else "pk"
    q = Q(pk__in=[])
    if account:
        q |= Q(number=text)
    if c is not None:
        q |= Q(**{f"{c}number__iexact": text}) | Q(**{f"{c}alternate_id__iexact": text})
    if loc is not None:
        q |= (
            Q(**{f"{loc}number__iexact": text})
            | Q(**{f"{loc}alternate_id__iexact": text})
            | Q(**{f"{loc}parcel__iexact": text})
        )
    # An email, or a part of one such as its domain.
    if "@" in text or re.fullmatch(r"[\w.+-]+\.[A-Za-z]{2,}", text):
        if c is not None:
            q |= Exists(
                CustomerEmail.objects.filter(customer=OuterRef(cust_ref), address__icontains=text)
            )
        if "@" in text:
            return q
    phone_like = bool(re.fullmatch(r"[\d\s().+-]+", text))
    if phone_like and len(digits) >= 4:
        if account:
            q |= Q(number__startswith=digits)
        if loc is not None:
            q |= Q(**{f"{loc}parcel__startswith": text})
        if c is not None:
            # A phone is typed with or without punctuation; stored digits only.
            q |= Exists(
                CustomerPhone.objects.filter(customer=OuterRef(cust_ref), number__contains=digits)
            )
    if re.search(r"[^\W\d_]", text):  # any letter, accented or not
        if c is not None:
            q |= _name_q(text, c)
            q |= Exists(
                CustomerAddress.objects.filter(
                    customer=OuterRef(cust_ref), **{_fold("line1", "icontains"): text}
                )
            )
        if loc is not None:
            q |= Q(**{_fold(f"{loc}line1", "icontains"): text}) | Q(
                **{f"{loc}parcel__istartswith": text}
            )
    return q


def search_query_q(query: str) -> Q:
    """The accounts filter for one search box entry."""
    return _keys_q(query, c="customer__", loc="location__", account=True)


def panel_search(*, user, query: str, page: int = 1, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Visible accounts matching `query`, `limit` a page: an exact account number first,
    then current accounts, then by name; and, on the first page, the matching customers
    and locations that have no account at all. Private accounts and customers are left
    out for users who may not see them, so a search never tells they exist."""
    query = query.strip()
    page = max(1, page)
    if len(query) < 2:
        return SearchResult(accounts=[], more=False, page=page)
    qs = (
        accounts_visible(user=user)
        .filter(search_query_q(query))
        .select_related("customer", "location")
        .annotate(
            _exact=Case(When(number=query, then=Value(0)), default=Value(1)),
            _activity_rank=Case(
                When(activity_status=Account.ActivityStatus.CURRENT, then=Value(0)),
                When(activity_status=Account.ActivityStatus.WAITING, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .order_by(
            "_exact",
            "_activity_rank",
            "customer__last_name",
            "customer__business_name",
            "customer__first_name",
            "number",
        )
    )
    offset = (page - 1) * limit
    rows = list(qs[offset : offset + limit + 1])
    customers: list[Customer] = []
    locations: list[Location] = []
    if page == 1:
        customers = list(
            rows_visible(Customer.objects.all(), user=user, via="")
            .filter(~Exists(Account.objects.filter(customer=OuterRef("pk"))))
            .filter(_keys_q(query, c="", loc=None, account=False))
            .order_by("last_name", "business_name", "first_name", "number")[:RECORD_LIMIT]
        )
        locations = list(
            Location.objects.filter(~Exists(Account.objects.filter(location=OuterRef("pk"))))
            .filter(_keys_q(query, c=None, loc="", account=False))
            .order_by("line1", "number")[:RECORD_LIMIT]
        )
    return SearchResult(
        accounts=rows[:limit],
        more=len(rows) > limit,
        page=page,
        customers=customers,
        locations=locations,
    )


def customer_neighbour(*, user, number: str | None, direction: Direction) -> Account | None:
    """The account of the next (or previous) visible customer by customer number. With
    no customer selected, "next" opens the very first customer (seed 004 tip)."""
    visible = accounts_visible(user=user)
    customers = Customer.objects.filter(Exists(visible.filter(customer=OuterRef("pk"))))
    if number:
        customers = (
            customers.filter(number__gt=number)
            if direction == "next"
            else customers.filter(number__lt=number)
        )
    customer = customers.order_by("number" if direction == "next" else "-number").first()
    if customer is None:
        return None
    return accounts_preferred_first(visible.filter(customer=customer)).first()


def location_neighbour(*, user, number: str | None, direction: Direction) -> Account | None:
    """The account at the next (or previous) location by location number."""
    visible = accounts_visible(user=user)
    locations = Location.objects.filter(Exists(visible.filter(location=OuterRef("pk"))))
    if number:
        locations = (
            locations.filter(number__gt=number)
            if direction == "next"
            else locations.filter(number__lt=number)
        )
    location = locations.order_by("number" if direction == "next" else "-number").first()
    if location is None:
        return None
    return accounts_preferred_first(visible.filter(location=location)).first()


def account_for_customer(*, user, number: str) -> Account | None:
    return accounts_preferred_first(
        accounts_visible(user=user).filter(customer__number=number)
    ).first()


def account_for_location(*, user, number: str) -> Account | None:
    return accounts_preferred_first(
        accounts_visible(user=user).filter(location__number=number)
    ).first()
