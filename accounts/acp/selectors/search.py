"""Finding an account (seed 004: search by account number, name, business name,
alternate id, address, phone, email, parcel) and stepping through customers and
locations with the card arrows."""

import re
from dataclasses import dataclass
from typing import Literal

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from ...models import Account, Customer, CustomerAddress, CustomerEmail, CustomerPhone, Location
from .access import accounts_preferred_first, accounts_visible

SEARCH_LIMIT = 25
Direction = Literal["next", "prev"]


@dataclass(frozen=True)
class SearchResult:
    accounts: list[Account]
    more: bool  # more matches than shown: the CSR should narrow the search


def _name_q(text: str) -> Q:
    """'Doe', 'Jane Doe' or 'Doe, Jane': names match from their start (case-insensitive);
    business names anywhere."""
    q = Q(customer__last_name__istartswith=text) | Q(customer__business_name__icontains=text)
    if "," in text:
        last, first = (part.strip() for part in text.split(",", 1))
        if last and first:
            q |= Q(customer__last_name__istartswith=last, customer__first_name__istartswith=first)
    else:
        words = text.split()
        if len(words) >= 2:
            q |= Q(
                customer__first_name__istartswith=words[0],
                customer__last_name__istartswith=words[-1],
            )
    return q


def search_query_q(query: str) -> Q:
    """The filter for one search box entry; what it tries depends on what was typed."""
    text = " ".join(query.split())
    digits = re.sub(r"\D", "", text)
    q = (
        Q(number=text)
        | Q(customer__number__iexact=text)
        | Q(location__number__iexact=text)
        | Q(customer__alternate_id__iexact=text)
        | Q(location__alternate_id__iexact=text)
        | Q(location__parcel__iexact=text)
    )
    # An email, or a part of one such as its domain.
    if "@" in text or re.fullmatch(r"[\w.+-]+\.[A-Za-z]{2,}", text):
        q |= Exists(
            CustomerEmail.objects.filter(customer=OuterRef("customer"), address__icontains=text)
        )
        if "@" in text:
            return q
    phone_like = bool(re.fullmatch(r"[\d\s().+-]+", text))
    if phone_like and len(digits) >= 4:
        q |= Q(number__startswith=digits) | Q(location__parcel__startswith=text)
        # A phone is typed with or without punctuation; stored digits only.
        q |= Exists(
            CustomerPhone.objects.filter(customer=OuterRef("customer"), number__contains=digits)
        )
    if re.search(r"[A-Za-z]", text):
        q |= _name_q(text)
        q |= Q(location__line1__icontains=text) | Q(location__parcel__istartswith=text)
        q |= Exists(
            CustomerAddress.objects.filter(customer=OuterRef("customer"), line1__icontains=text)
        )
    return q


def panel_search(*, user, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Visible accounts matching `query`: an exact account number first, then current
    accounts, then by name. Private accounts are left out for users who may not see
    them, so a search never tells they exist."""
    query = query.strip()
    if len(query) < 2:
        return SearchResult(accounts=[], more=False)
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
    rows = list(qs[: limit + 1])
    return SearchResult(accounts=rows[:limit], more=len(rows) > limit)


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
