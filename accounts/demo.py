"""Demo utility: customers, locations, accounts, SAs and twelve months of completed bills.

Deterministic for a seed and an as-of date; written in chunks with COPY-backed bulk
inserts so 100,000 accounts load in minutes (see `make bench`).
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker

from cis.bulk import bulk_insert, bulk_insert_rows
from cis.demo import DemoContext, register_step
from cis.money import quantize

from .models import (
    Account,
    Bill,
    BillCycle,
    BillSegment,
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerPhone,
    FinancialTransaction,
    Location,
    RevenueClass,
    SAType,
    ServiceAgreement,
)
from .reference import reference_data_load
from .services.ledger import Posting, ledger_post_rows

CHUNK = 2000
BILL_MONTHS = 12
# SA type: (probability an account has it, low, high monthly charge)
SERVICES = {
    "WATER": (1.0, 22, 95),
    "SEWER": (0.85, 18, 70),
    "ELEC": (0.45, 55, 240),
    "TRASH": (0.6, 18.5, 18.5),
}


def month_shift(day: date, months: int, day_of_month: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, day_of_month)


@register_step(10, "reference data")
def demo_reference(ctx: DemoContext) -> None:
    reference_data_load()


@register_step(20, "customers, locations, accounts and bills")
def demo_accounts(ctx: DemoContext) -> None:
    if Account.objects.exists():
        ctx.log("accounts exist already: skipped")
        return
    builder = _Builder(ctx)
    builder.landlords_build()
    for start in range(0, ctx.accounts, CHUNK):
        with transaction.atomic():
            builder.chunk_build(start, min(start + CHUNK, ctx.accounts))
        ctx.log(f"  {min(start + CHUNK, ctx.accounts):,} / {ctx.accounts:,} accounts")


class _Builder:
    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.rng = random.Random(ctx.seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(ctx.seed)
        self.cycles = list(BillCycle.objects.order_by("code"))
        self.classes = {rc.code: rc for rc in RevenueClass.objects.all()}
        self.sa_types = {t.code: t for t in SAType.objects.filter(code__in=SERVICES)}
        self.landlords: list[Customer] = []
        self.now = timezone.now()

    def _address(self) -> dict:
        f = self.fake
        return {
            "line1": f.street_address(),
            "city": f.city(),
            "state": f.state_abbr(),
            "postal_code": f.postcode(),
        }

    def _parcel(self) -> str:
        rng = self.rng
        return f"{rng.randint(1, 999):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 999):03d}"

    def landlords_build(self) -> None:
        count = max(1, self.ctx.accounts // 25)
        self.landlords = [
            Customer(
                number=f"L{n:07d}",
                customer_type=Customer.Type.PROFIT,
                business_name=f"{self.fake.last_name()} Property Management LLC",
                created_at=self.now,
            )
            for n in range(1, count + 1)
        ]
        bulk_insert(Customer, self.landlords)
        bulk_insert(
            CustomerAddress,
            [
                CustomerAddress(customer_id=c.pk, is_primary=True, **self._address())
                for c in self.landlords
            ],
        )

    def _customer(self, n: int) -> Customer:
        rng, f = self.rng, self.fake
        kind = rng.choices(list(Customer.Type), weights=[88, 8, 2, 2])[0]
        customer = Customer(
            number=f"C{n:07d}",
            customer_type=kind,
            created_at=self.now,
            is_public=rng.random() > 0.01,
            is_web_user=rng.random() < 0.35,
            is_bankrupt=rng.random() < 0.003,
        )
        if kind == Customer.Type.INDIVIDUAL:
            customer.first_name, customer.last_name = f.first_name(), f.last_name()
            customer.middle_name = f.first_name() if rng.random() < 0.3 else ""
            customer.ssn = (
                f"{rng.randint(100, 899):03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
            )
            customer.drivers_license = (
                f"{f.random_uppercase_letter()}{rng.randint(10**7, 10**8 - 1)}"
            )
            customer.drivers_license_state = f.state_abbr()
            customer.date_of_birth = f.date_of_birth(minimum_age=18, maximum_age=95)
        else:
            customer.business_name = f.company()
        return customer

    def chunk_build(self, first: int, last: int) -> None:
        rng = self.rng
        customers = [self._customer(n + 1) for n in range(first, last)]
        bulk_insert(Customer, customers)
        addresses, phones, emails, locations = [], [], [], []
        for customer in customers:
            addr = self._address()
            addresses.append(CustomerAddress(customer_id=customer.pk, is_primary=True, **addr))
            phones.append(
                CustomerPhone(
                    customer_id=customer.pk,
                    is_primary=True,
                    number=f"{rng.randint(200, 989)}{rng.randint(2000000, 9999999)}",
                )
            )
            if rng.random() < 0.6:
                emails.append(
                    CustomerEmail(
                        customer_id=customer.pk, is_primary=True, address=self.fake.free_email()
                    )
                )
            rental = rng.random() < 0.15
            locations.append(
                Location(
                    number=f"{customer.number[1:]}",
                    revenue_class=self.classes[
                        "RES" if customer.customer_type == Customer.Type.INDIVIDUAL else "COM"
                    ],
                    cycle=rng.choice(self.cycles),
                    route=f"{rng.randint(1, 40):02d}",
                    is_rental=rental,
                    owner_id=rng.choice(self.landlords).pk if rental else None,
                    parcel=self._parcel(),
                    subdivision=self.fake.last_name() + " Estates" if rng.random() < 0.3 else "",
                    cross_street=self.fake.street_name(),
                    **addr,
                )
            )
        bulk_insert(CustomerAddress, addresses)
        bulk_insert(CustomerPhone, phones)
        bulk_insert(CustomerEmail, emails)
        bulk_insert(Location, locations)
        accounts = [
            Account(
                number=f"{1_000_000_000 + int(c.number[1:])}",
                customer_id=c.pk,
                location_id=loc.pk,
                opened_on=month_shift(self.ctx.as_of, -rng.randint(13, 240), 1),
            )
            for c, loc in zip(customers, locations, strict=True)
        ]
        bulk_insert(Account, accounts)
        sas = []
        for account in accounts:
            for code, (chance, _, _) in SERVICES.items():
                if code == "WATER" or rng.random() < chance:
                    sas.append(
                        ServiceAgreement(
                            account_id=account.pk,
                            sa_type=self.sa_types[code],
                            start_date=account.opened_on,
                            rate_code=f"{code[:3]}-R1",
                        )
                    )
        bulk_insert(ServiceAgreement, sas)
        self._bills_build(accounts, locations, sas)

    def _bills_build(self, accounts, locations, sas) -> None:
        """Twelve monthly bills per account, completed: rows, not model instances, since
        a 100,000-account demo writes about fourteen million of them."""
        rng = self.rng
        sas_by_account: dict[int, list[ServiceAgreement]] = {}
        for sa in sas:
            sas_by_account.setdefault(sa.account_id, []).append(sa)
        bill_rows, bill_segments = [], []
        for account, location in zip(accounts, locations, strict=True):
            day = int(location.cycle.code)
            for back in range(BILL_MONTHS - 1, -1, -1):
                bill_date = month_shift(self.ctx.as_of, -back, day)
                if bill_date > self.ctx.as_of:
                    bill_date = month_shift(self.ctx.as_of, -back - 1, day)
                segments = []
                for sa in sas_by_account[account.pk]:
                    _, low, high = SERVICES[sa.sa_type.code]
                    cents = rng.randint(int(low * 100), int(high * 100))
                    segments.append((sa, quantize(Decimal(cents) / 100)))
                total = sum((amount for _, amount in segments), Decimal("0.00"))
                bill_rows.append(
                    (
                        account.pk,
                        bill_date,
                        bill_date + timedelta(days=21),
                        Bill.Status.COMPLETE.value,
                        total,
                        self.now,
                    )
                )
                bill_segments.append(segments)
        bill_ids = bulk_insert_rows(
            Bill,
            ("account_id", "bill_date", "due_date", "status", "total", "completed_at"),
            bill_rows,
        )
        segment_rows, postings = [], []
        for bill_id, row, segments in zip(bill_ids, bill_rows, bill_segments, strict=True):
            account_id, bill_date, due_date = row[0], row[1], row[2]
            label = f"Bill {bill_date:%m/%d/%Y}"
            for sa, amount in segments:
                segment_rows.append((bill_id, sa.pk, amount, ""))
                postings.append(
                    Posting(
                        sa_id=sa.pk,
                        account_id=account_id,
                        receivable_gl_id=sa.sa_type.receivable_gl_id,
                        offset_gl_id=sa.sa_type.revenue_gl_id,
                        kind=FinancialTransaction.Kind.BILL_SEGMENT.value,
                        amount=amount,
                        accounting_date=bill_date,
                        arrears_date=due_date,
                        description=label,
                        bill_id=bill_id,
                    )
                )
        bulk_insert_rows(BillSegment, ("bill_id", "sa_id", "amount", "description"), segment_rows)
        ledger_post_rows(postings=postings)
