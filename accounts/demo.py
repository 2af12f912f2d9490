"""Demo utility: customers, locations, accounts, SAs and twelve months of completed bills.

Deterministic for a seed and an as-of date; written in chunks with COPY-backed bulk
inserts so 100,000 accounts load in minutes (see `make bench`).
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
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
    BillSegmentUsage,
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerPhone,
    FinancialTransaction,
    Location,
    Meter,
    RevenueClass,
    SAType,
    ServiceAgreement,
)
from .reference import reference_data_load
from .services.ledger import Posting, ledger_post_ids

CHUNK = 2000
BILL_MONTHS = 12
# SA type: (probability an account has it, low, high monthly charge)
SERVICES = {
    "WATER": (1.0, 22, 95),
    "SEWER": (0.85, 18, 70),
    "ELEC": (0.45, 55, 240),
    "TRASH": (0.6, 18.5, 18.5),
}
# Metered services (seed 004 Usage tab): unit, minimum charge, rate per unit, the step a
# quantity is rounded to, meter makes and sizes. A segment's usage is derived from its
# amount: (amount - minimum) / rate. Sewer and trash bill flat, without a meter.
METERED = {
    "WATER": (
        "KGAL",
        Decimal("12.00"),
        Decimal("4.25"),
        Decimal("0.001"),
        ("Badger", "Neptune", "Sensus"),
        ('5/8"', '3/4"', '1"'),
    ),
    "ELEC": (
        "KWH",
        Decimal("15.00"),
        Decimal("0.1325"),
        Decimal("1"),
        ("Itron", "Landis+Gyr"),
        ("Form 2S", "Form 12S"),
    ),
}
USAGE_FIELDS = (
    "segment_id",
    "meter_id",
    "rate_code",
    "previous_read_date",
    "previous_reading",
    "read_date",
    "reading",
    "read_type",
    "actual_quantity",
    "adjusted_quantity",
    "billed_quantity",
    "unit",
    "is_budget",
    "minimum_charge",
    "total_charge",
)


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
        # Its own stream: meters and reads leave the rest of the demo as it was for a seed.
        self.usage_rng = random.Random(ctx.seed * 7103 + 29)

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
            # One bill per cycle: the newest on the cycle day on or before the as-of date,
            # then one a month before it (not "this month, or last month if not yet due",
            # which billed the newest cycle twice when the cycle day is still ahead).
            latest = 0 if month_shift(self.ctx.as_of, 0, day) <= self.ctx.as_of else -1
            for back in range(BILL_MONTHS - 1, -1, -1):
                bill_date = month_shift(self.ctx.as_of, latest - back, day)
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
        segment_rows, postings, metered = [], [], []
        for bill_id, row, segments in zip(bill_ids, bill_rows, bill_segments, strict=True):
            account_id, bill_date, due_date = row[0], row[1], row[2]
            label = f"Bill {bill_date:%m/%d/%Y}"
            for sa, amount in segments:
                segment_rows.append((bill_id, sa.pk, amount, ""))
                metered.append((sa, amount, bill_date))
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
        segment_ids = bulk_insert_rows(
            BillSegment, ("bill_id", "sa_id", "amount", "description"), segment_rows
        )
        ledger_post_ids(postings=postings)
        self._usage_build(accounts, locations, sas, zip(segment_ids, metered, strict=True))

    def _usage_build(self, accounts, locations, sas, segments) -> None:
        """A meter per metered SA at its location, and one read per metered segment: read
        three days before the bill, from the previous bill's read, the quantity the
        segment's amount pays for at the service's rate. `segments` are (segment id,
        (sa, amount, bill date)), each account's oldest bill first."""
        rng = self.usage_rng
        opened = {a.pk: (a.opened_on, loc) for a, loc in zip(accounts, locations, strict=True)}
        meter_rows, meter_sas = [], []
        for sa in sas:
            code = sa.sa_type.code
            if code not in METERED:
                continue
            unit, _, _, _, makes, sizes = METERED[code]
            opened_on, location = opened[sa.account_id]
            meter_rows.append(
                (
                    f"{code[0]}{location.number}",
                    location.pk,
                    sa.sa_type.pk,
                    rng.choice(makes),
                    rng.choice(sizes),
                    unit,
                    Decimal(1),
                    opened_on,
                    Meter.Status.ACTIVE.value,
                )
            )
            meter_sas.append(sa.pk)
        meter_ids = bulk_insert_rows(
            Meter,
            (
                "number",
                "location_id",
                "service_id",
                "make",
                "size",
                "unit",
                "multiplier",
                "installed_on",
                "status",
            ),
            meter_rows,
        )
        # sa id -> [meter id, last read date, last reading]
        meters = {
            sa_id: [pk, None, Decimal(rng.randint(0, 90_000)) / (1000 if row[5] == "KGAL" else 1)]
            for sa_id, pk, row in zip(meter_sas, meter_ids, meter_rows, strict=True)
        }
        rows = []
        for segment_id, (sa, amount, bill_date) in segments:
            meter = meters.get(sa.pk)
            if meter is None:
                continue
            unit, minimum, rate, step, _, _ = METERED[sa.sa_type.code]
            quantity = max(Decimal(0), ((amount - minimum) / rate).quantize(step))
            read_date = bill_date - timedelta(days=3)
            previous_date = meter[1] or read_date - timedelta(days=30)
            previous, reading = meter[2], meter[2] + quantity
            meter[1], meter[2] = read_date, reading
            estimated = rng.random() < 0.04
            rows.append(
                (
                    segment_id,
                    meter[0],
                    sa.rate_code,
                    previous_date,
                    previous,
                    read_date,
                    reading,
                    "estimated" if estimated else "actual",
                    quantity,
                    Decimal(0),
                    quantity,
                    unit,
                    False,
                    minimum,
                    amount,
                )
            )
        bulk_insert_rows(BillSegmentUsage, USAGE_FIELDS, rows)


# Account Control Panel extras (issue 3): notes, contacts, special conditions, codes and a
# few flags, so the panel has something to show. Same seed, same data.
NOTE_SAMPLES = [
    ("CALL", "Customer called about the last bill; explained the sewer charge."),
    ("CALL", "Asked for a payment extension until Friday."),
    ("GEN", "Prefers contact by email after 5 pm."),
    ("FIELD", "Meter behind locked gate; call ahead before a read."),
    ("PAY", "Promised payment at the drive-through window."),
    ("GEN", "Spanish-speaking household; offer the interpreter line."),
]


@register_step(30, "panel extras: notes, contacts, conditions, codes")
def demo_panel_extras(ctx: DemoContext) -> None:
    from .models import (
        Contact,
        ContactPhone,
        ContactType,
        CustomerCode,
        Note,
        NoteType,
        SpecialCondition,
        SpecialConditionType,
        UDCValue,
    )

    if Note.objects.exists():
        ctx.log("notes exist already: skipped")
        return
    rng = random.Random(ctx.seed * 7919 + 3)
    note_types = {t.code: t.pk for t in NoteType.objects.all()}
    conditions = list(SpecialConditionType.objects.order_by("code").values_list("pk", flat=True))
    contact_types = list(
        ContactType.objects.filter(applies_to="customer")
        .order_by("code")
        .values_list("pk", flat=True)
    )
    languages = list(UDCValue.objects.filter(caption__code="LANG").order_by("code"))
    tz = timezone.get_current_timezone()

    def moment(days_back: int) -> datetime:
        day = ctx.as_of - timedelta(days=days_back)
        return datetime.combine(day, time(9 + days_back % 8, 15), tzinfo=tz)

    rows = Account.objects.filter(is_suspense=False).order_by("pk")
    triples = list(rows.values_list("pk", "customer_id", "location_id"))
    with transaction.atomic():
        notes, contacts, phones, codes, conds = [], [], [], [], []
        budget, on_lien = [], []
        for account_id, customer_id, location_id in triples:
            for _ in range(rng.choices([0, 1, 2, 3], weights=[50, 25, 15, 10])[0]):
                code, text = rng.choice(NOTE_SAMPLES)
                level = rng.choices(["account", "customer", "location"], weights=[6, 3, 1])[0]
                note = Note(
                    level=level,
                    note_type_id=note_types[code],
                    subject=text[:60],
                    text=text,
                    created_at=moment(rng.randint(0, 700)),
                    account_id=account_id if level == "account" else None,
                    customer_id=customer_id if level == "customer" else None,
                    location_id=location_id if level == "location" else None,
                )
                if level != "location":
                    note.show_in_message_center = rng.random() < 0.3
                    note.show_in_payment_center = code == "PAY"
                notes.append(note)
            if rng.random() < 0.04:
                notes.append(
                    Note(
                        level="account",
                        account_id=account_id,
                        note_type_id=note_types["GRACE"],
                        subject="Grace granted: no late charge this cycle",
                        text="Grace granted: no late charge this cycle.",
                        grace_date=ctx.as_of + timedelta(days=rng.randint(3, 20)),
                        used_for="penalty",
                        expires_on=ctx.as_of + timedelta(days=30),
                        created_at=moment(1),
                    )
                )
            if rng.random() < 0.12 and contact_types:
                contacts.append(
                    Contact(
                        contact_type_id=rng.choice(contact_types),
                        customer_id=customer_id,
                        first_name=rng.choice(["Ana", "Ben", "Chloe", "Dev", "Eli", "Fay"]),
                        last_name=rng.choice(["Nguyen", "Okafor", "Smith", "Garcia", "Kowalski"]),
                    )
                )
            if rng.random() < 0.06 and conditions:
                conds.append(
                    SpecialCondition(
                        level="account",
                        account_id=account_id,
                        condition_type_id=rng.choice(conditions),
                        effective_on=ctx.as_of - timedelta(days=rng.randint(10, 400)),
                        created_at=moment(400),
                    )
                )
            if rng.random() < 0.2 and languages:
                value = rng.choices(languages, weights=[4, 1][: len(languages)])[0]
                codes.append(
                    CustomerCode(customer_id=customer_id, caption_id=value.caption_id, value=value)
                )
            if rng.random() < 0.08:
                budget.append(account_id)
            if rng.random() < 0.01:
                on_lien.append(location_id)
        bulk_insert(Note, notes)
        bulk_insert(Contact, contacts)
        for contact in contacts:
            phones.append(
                ContactPhone(
                    contact_id=contact.pk,
                    number=f"{rng.randint(200, 989)}{rng.randint(2000000, 9999999)}",
                    is_primary=True,
                )
            )
        bulk_insert(ContactPhone, phones)
        bulk_insert(SpecialCondition, conds)
        bulk_insert(CustomerCode, codes)
        Account.objects.filter(pk__in=budget).update(is_budget_billing=True)
        BillSegmentUsage.objects.filter(segment__bill__account_id__in=budget).update(is_budget=True)
        Location.objects.filter(pk__in=on_lien).update(on_lien=True)
        # Half the customers with an email take their bills by email (seed 004 "Email Bill").
        Customer.objects.alias(parity=F("pk") % 2).filter(parity=0, emails__isnull=False).update(
            email_notices=True
        )
    ctx.log(
        f"  {len(notes):,} notes, {len(contacts):,} contacts, {len(conds):,} conditions, "
        f"{len(codes):,} codes"
    )
    demo_recurring_items(ctx)


def demo_recurring_items(ctx: DemoContext) -> None:
    """Recurring Items tab (seed 004): two codes, and on the "grace" showcase account a
    10% senior discount while active and a $5.00 rebate for six bills. Same every time."""
    from .models import AdjustmentType, RecurringItem, RecurringItemType

    number = showcase_accounts(ctx).get("grace")
    credit = AdjustmentType.objects.filter(code="CREDIT").first()
    if number is None or credit is None:
        return
    senior, _ = RecurringItemType.objects.get_or_create(
        code="SENIOR",
        defaults={
            "description": "Senior discount",
            "percent": Decimal("10.00"),
            "adjustment_type": credit,
        },
    )
    rebate, _ = RecurringItemType.objects.get_or_create(
        code="REBATE",
        defaults={
            "description": "Low-flow toilet rebate",
            "kind": RecurringItemType.Kind.CREDIT,
            "amount": Decimal("5.00"),
            "adjustment_type": credit,
            "default_times": 6,
        },
    )
    account = Account.objects.get(number=number)
    when = datetime.combine(
        ctx.as_of - timedelta(days=45), time(10), tzinfo=timezone.get_current_timezone()
    )
    for item_type, level, times in ((senior, "customer", None), (rebate, "account", 6)):
        RecurringItem.objects.create(
            level=level,
            account=account if level == "account" else None,
            customer_id=account.customer_id if level == "customer" else None,
            item_type=item_type,
            description=item_type.description,
            effective_on=ctx.as_of - timedelta(days=45),
            times_to_apply=times,
            created_at=when,
        )
    ctx.log(f"  2 recurring items on {number}")


# To Do entries (issue 8 item 16): the queue a CSR and a supervisor work on `make run`.
TODO_GENERAL = [
    "Call back about the meter reading dispute",
    "Customer asked for a payment arrangement: call back",
    "Confirm the new mailing address with the customer",
    "Landlord asked for a copy of the last bill",
]


@register_step(40, "To Do entries")
def demo_todos(ctx: DemoContext) -> None:
    """A dozen or so entries of several types (seed 001 step 2.1, seed 003 steps 7.5-8.3)
    on public accounts, mostly open, two complete with their resolution. Payments adds
    its own (upload exceptions) in payments/demo.py."""
    from .models import ToDoEntry, ToDoLog, ToDoType

    if ToDoEntry.objects.filter(source__startswith="accounts.Account:").exists():
        ctx.log("To Do entries exist already: skipped")
        return
    rng = random.Random(ctx.seed * 104729 + 11)
    rows = list(
        Account.objects.filter(is_suspense=False, customer__is_public=True)
        .order_by("pk")
        .values_list("pk", "balance")
    )
    if not rows:
        return
    types = {t.code: t for t in ToDoType.objects.filter(code__in=TODO_TYPES_DEMO)}
    owing = sorted((r for r in rows if r[1] > 0), key=lambda r: (-r[1], r[0]))
    tz = timezone.get_current_timezone()
    made = []
    with transaction.atomic():
        for n in range(min(len(rows), 14)):
            code = TODO_TYPES_DEMO[n % len(TODO_TYPES_DEMO)]
            if code == "COLLREVIEW" and owing:
                account_id, balance = owing[n % len(owing)]
                subject = f"Review for collection: balance ${balance:,.2f} unpaid"
                detail = "The balance is past due beyond the arrears threshold."
            elif code == "AUTOPAYMAX":
                account_id, balance = rng.choice(rows)
                limit = Decimal(rng.choice([100, 150, 200]))
                subject = "Autopay reduced to the maximum withdrawal amount"
                detail = (
                    f"The draft was limited to ${limit:,.2f}; tell the customer how to pay "
                    "the rest (seed 001 step 2.1)."
                )
            else:
                account_id, balance = rng.choice(rows)
                subject, detail = rng.choice(TODO_GENERAL), ""
            day = ctx.as_of - timedelta(days=rng.randint(0, 20))
            made.append(
                ToDoEntry(
                    todo_type=types[code],
                    account_id=account_id,
                    subject=subject,
                    detail=detail,
                    source=f"accounts.Account:{account_id}",
                    created_at=datetime.combine(day, time(8 + n % 9, 5 * n % 60), tzinfo=tz),
                )
            )
        ToDoEntry.objects.bulk_create(made)
        for entry in made[-2:]:
            entry.status = ToDoEntry.Status.COMPLETE
            entry.completed_at = entry.created_at + timedelta(hours=3)
            entry.save(update_fields=["status", "completed_at"])
            ToDoLog.objects.create(
                entry=entry,
                kind=ToDoLog.Kind.COMPLETED,
                text="Spoke with the customer; nothing more to do.",
                at=entry.completed_at,
            )
    ctx.log(f"  {len(made)} To Do entries")


TODO_TYPES_DEMO = ["GENERAL", "AUTOPAYMAX", "COLLREVIEW"]


# Accounts that show every icon and marker the panel has (issue 8 item 8), one each, picked
# by number from the seed so `make run` shows them the same way every time.
SHOWCASE = (
    "shut_off",
    "bankrupt",
    "bad_debt",
    "collections",
    "private",
    "grace",
    "location_flags",
    "unposted",
)


def showcase_accounts(ctx: DemoContext) -> dict[str, str]:
    """{showcase name: account number}: distinct accounts while there are enough of them."""
    # Demo accounts only: not the suspense or non-CIS accounts reference data adds.
    numbers = sorted(
        n
        for n in Account.objects.filter(is_suspense=False).values_list("number", flat=True)
        if n.isdigit()
    )
    if not numbers:
        return {}
    picked = random.Random(ctx.seed * 6007 + 19).sample(numbers, min(len(numbers), len(SHOWCASE)))
    return {name: picked[n % len(picked)] for n, name in enumerate(SHOWCASE)}


@register_step(35, "panel showcase: an account for every icon and marker")
def demo_showcase(ctx: DemoContext) -> None:
    from .models import Note, NoteType, SpecialCondition, SpecialConditionType

    if Account.objects.filter(is_bad_debt=True).exists():
        ctx.log("showcase accounts exist already: skipped")
        return
    picks = showcase_accounts(ctx)
    if not picks:
        return
    accounts = {a.number: a for a in Account.objects.filter(number__in=picks.values())}
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        rows = Account.objects.filter
        rows(number=picks["shut_off"]).update(service_status=Account.ServiceStatus.SHUT_OFF)
        rows(number=picks["bad_debt"]).update(is_bad_debt=True)
        rows(number=picks["collections"]).update(in_collections=True)
        Customer.objects.filter(accounts__number=picks["bankrupt"]).update(is_bankrupt=True)
        Customer.objects.filter(accounts__number=picks["private"]).update(is_public=False)
        grace = accounts[picks["grace"]]
        Note.objects.create(
            level="account",
            account=grace,
            note_type=NoteType.objects.get(code="GRACE"),
            subject="Grace granted: no late charge this cycle",
            text="Grace granted: no late charge this cycle.",
            grace_date=ctx.as_of + timedelta(days=10),
            used_for="penalty",
            expires_on=ctx.as_of + timedelta(days=30),
            created_at=datetime.combine(ctx.as_of, time(9, 30), tzinfo=tz),
        )
        flagged = accounts[picks["location_flags"]]
        Location.objects.filter(pk=flagged.location_id).update(on_lien=True)
        condition = SpecialConditionType.objects.order_by("code").first()
        if condition is not None:
            SpecialCondition.objects.create(
                level="location",
                location_id=flagged.location_id,
                condition_type=condition,
                effective_on=ctx.as_of - timedelta(days=60),
                created_at=datetime.combine(ctx.as_of - timedelta(days=60), time(10), tzinfo=tz),
            )
    ctx.log("  " + ", ".join(f"{name} {number}" for name, number in picks.items()))


@register_step(51, "refunds: one awaiting approval, one paid by check")
def demo_refunds(ctx: DemoContext) -> None:
    """History tab > Refunds (issue 13 item 2): an account with 180.00 of overpayment on an
    excess-credit SA; the CSR asked for 60.00 by check and a supervisor approved it (paid
    in the check register of the demo date), and 50.00 more waits for a supervisor's
    approval on the To Do screen (REFUNDAPPR). Same every time."""
    from django.contrib.auth.models import Group, User

    from cis.management.commands.demo_users import DEMO_USERS

    from .models import AdjustmentType, Refund, SAType, ServiceAgreement, ToDoEntry, ToDoLog
    from .services.adjustments import adjustment_create
    from .services.refunds import refund_approve, refund_request, refunds_checks_pay

    if Refund.objects.filter(source=Refund.Source.CREDIT).exists():
        ctx.log("refunds exist already: skipped")
        return
    picked = set(showcase_accounts(ctx).values())
    account = (
        Account.objects.filter(is_suspense=False, customer__is_public=True)
        .exclude(number__in=picked)
        .order_by("-number")
        .first()
    )
    excess_type = SAType.objects.filter(is_excess_credit=True).first()
    credit = AdjustmentType.objects.filter(code="CREDIT").first()
    if account is None or excess_type is None or credit is None:
        return
    users = {}
    for username, password, role, first, last in DEMO_USERS[:2]:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        users[role] = User.objects.get(pk=user.pk)
    csr, supervisor = users["CSR"], users["Supervisor"]
    excess = ServiceAgreement.objects.filter(account=account, sa_type=excess_type).first()
    if excess is None:
        excess = ServiceAgreement.objects.create(
            account=account, sa_type=excess_type, start_date=ctx.as_of - timedelta(days=40)
        )
    # 180.00 of the account's own credit whatever its other SAs owe
    account.refresh_from_db()
    adjustment_create(
        sa=excess,
        adjustment_type=credit,
        amount=-(Decimal("180.00") + max(account.balance, Decimal("0.00"))),
        reason="Overpayment carried as credit",
        accounting_date=ctx.as_of - timedelta(days=20),
    )
    paid = refund_request(
        account=account,
        amount=Decimal("60.00"),
        method=Refund.Method.CHECK,
        reason="Customer asked for part of the overpayment back",
        user=csr,
    )
    refund_approve(refund=paid, user=supervisor)
    refunds_checks_pay(refund_ids=[paid.pk], business_date=ctx.as_of)
    waiting = refund_request(
        account=account,
        amount=Decimal("50.00"),
        method=Refund.Method.CHECK,
        reason="Customer moving out: refund of credit",
        user=csr,
    )
    # Demo times from the as-of date, so a re-run of the demo gives the same rows.
    tz = timezone.get_current_timezone()
    asked = datetime.combine(ctx.as_of - timedelta(days=3), time(9, 15), tzinfo=tz)
    approved = datetime.combine(ctx.as_of - timedelta(days=2), time(14, 0), tzinfo=tz)
    today = datetime.combine(ctx.as_of, time(8, 40), tzinfo=tz)
    Refund.objects.filter(pk=paid.pk).update(requested_at=asked, approved_at=approved)
    Refund.objects.filter(pk=waiting.pk).update(requested_at=today)
    ToDoEntry.objects.filter(pk=paid.todo_id).update(created_at=asked, completed_at=approved)
    ToDoLog.objects.filter(entry_id=paid.todo_id).update(at=approved)
    ToDoEntry.objects.filter(pk=waiting.todo_id).update(created_at=today)
    ctx.log(f"  refunds on {account.number}: 60.00 paid by check, 50.00 awaiting approval")
