"""Accounts for the nightly benches, written with COPY (`seed_demo` is far too slow at
100,000): each a customer, a location and an account with one WATER SA."""

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from accounts.models import (
    Account,
    BillCycle,
    Customer,
    Location,
    RevenueClass,
    SAType,
    ServiceAgreement,
)
from cis.bulk import bulk_insert

BATCH = 20_000


def account_batches(
    size: int, first: int, *, prefix: str, number_base: int, name: tuple[str, str]
) -> Iterator[tuple[range, list[Account], list[ServiceAgreement]]]:
    """`size` new accounts, numbered from `first`, in batches of 20,000: yields each batch's
    numbers, accounts and SAs (customers and locations `prefix` + number, accounts
    `number_base` + number) for the bench to add its own rows to."""
    now = timezone.now()
    cycle = BillCycle.objects.order_by("code").first()
    residential = RevenueClass.objects.get(code="RES")
    water = SAType.objects.get(code="WATER")
    first_name, last_name = name
    for start in range(0, size, BATCH):
        numbers = range(first + start, first + min(start + BATCH, size))
        customers = [
            Customer(
                number=f"{prefix}{n:08d}",
                customer_type=Customer.Type.INDIVIDUAL,
                first_name=first_name,
                last_name=f"{last_name} {n}",
                created_at=now,
            )
            for n in numbers
        ]
        bulk_insert(Customer, customers)
        locations = [
            Location(
                number=f"{prefix}{n:08d}",
                line1=f"{n % 9000 + 100} Main St",
                city="Springfield",
                state="IL",
                postal_code="62701",
                revenue_class=residential,
                cycle=cycle,
            )
            for n in numbers
        ]
        bulk_insert(Location, locations)
        accounts = [
            Account(
                number=f"{number_base + n}",
                customer_id=c.pk,
                location_id=loc.pk,
                opened_on=dt.date(2025, 1, 1),
            )
            for n, c, loc in zip(numbers, customers, locations, strict=True)
        ]
        bulk_insert(Account, accounts)
        sas = [
            ServiceAgreement(
                account_id=a.pk, sa_type=water, start_date=a.opened_on, rate_code="WAT-R1"
            )
            for a in accounts
        ]
        bulk_insert(ServiceAgreement, sas)
        yield numbers, accounts, sas
