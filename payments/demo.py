"""Demo payments: most customers pay every bill on time, about one in eight stopped paying
a few months ago (so delinquency has work). Posted through the bulk path month by month;
every draw is a hash of the seed and the account, so the result is the same for a seed
however the accounts are split into chunks."""

import hashlib
from datetime import date, timedelta

from django.db import connection

from accounts.models import Account, Bill, FinancialTransaction, ServiceAgreement
from cis.demo import DemoContext, register_step

from . import demo_deposits  # noqa: F401 (registers the deposits demo step)
from .models import Payment, TenderSource, TenderType
from .reference import NON_CIS_ACCOUNT, reference_data_load
from .services.bulk import BulkPayment, payments_post_bulk

CHUNK = 20000  # payments per bulk call: a chunk spans the days of a month at once
LATE_SHARE = 0.125
# Tender type: (percent of customers, tender source it comes through)
TENDERS = {
    "CHECK": (35, "LOCKBOX"),
    "CARD": (25, "WEB"),
    "ACH": (25, "AUTOPAY"),
    "CASH": (10, "CASHIER"),
    "MONEYORD": (5, "CASHIER"),
}


def _months(day: date) -> int:
    return day.year * 12 + day.month


def _draw(*parts) -> int:
    """A deterministic 64-bit number for these parts (seed, account, purpose...)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@register_step(30, "payments")
def demo_payments(ctx: DemoContext) -> None:
    reference_data_load()
    if Payment.objects.exists():
        ctx.log("payments exist already: skipped")
        return
    _Payer(ctx).run()


class _Payer:
    """Pays the demo accounts' bills, month by month."""

    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.types = {t.code: t for t in TenderType.objects.filter(code__in=TENDERS)}
        self.sources = {
            s.code: s.pk
            for s in TenderSource.objects.filter(code__in={s for _, s in TENDERS.values()})
        }

    def _profile(self, number: str) -> tuple[str, int]:
        """How the customer pays, and how many recent bills they left unpaid (0: none;
        2+ leaves at least one bill past due)."""
        seed = self.ctx.seed
        late = _draw(seed, number, "late") % 10_000 < LATE_SHARE * 10_000
        skip = (2, 2, 3, 4)[_draw(seed, number, "skip") % 4] if late else 0
        pick, share = _draw(seed, number, "tender") % 100, 0
        for code, (percent, _) in TENDERS.items():
            share += percent
            if pick < share:
                return code, skip
        return "CASH", skip

    def run(self) -> None:
        accounts = Account.objects.exclude(number=NON_CIS_ACCOUNT)
        numbers = dict(accounts.values_list("pk", "number"))
        profiles = {pk: self._profile(number) for pk, number in numbers.items()}
        bills = Bill.objects.filter(status=Bill.Status.COMPLETE)
        first = bills.order_by("due_date").values_list("due_date", flat=True).first()
        if first is None:
            return
        posted = 0
        # Check numbers already on a day: a lockbox batch never repeats one (issue 8 item 8).
        self.checks_by_day: dict[date, set[str]] = {}
        for n, month in enumerate(range(_months(first), _months(self.ctx.as_of) + 1)):
            if n % 4 == 0:
                _analyze()
            start = date((month - 1) // 12, (month - 1) % 12 + 1, 1)
            end = date(month // 12, month % 12 + 1, 1)
            window = (
                bills.filter(due_date__gte=start, due_date__lt=end)
                .order_by("account__number", "bill_date")
                .values_list("account_id", "bill_date", "due_date", "total")
            )
            items = [
                item
                for account_id, bill_date, due_date, total in window
                if account_id in profiles
                for item in self._items(
                    numbers[account_id],
                    profiles[account_id],
                    account_id,
                    bill_date,
                    due_date,
                    total,
                )
            ]
            items.sort(key=lambda i: (i.accounting_date, i.account_id))
            for k in range(0, len(items), CHUNK):
                # The transition log is left out: it would be a million rows of "frozen".
                result = payments_post_bulk(items=items[k : k + CHUNK], log_transitions=False)
                posted += result.frozen
            self.ctx.log(f"  payments due by {end - timedelta(1)}: {posted:,}")

    def _items(self, number: str, profile, account_id: int, bill_date, due_date, total):
        code, skip = profile
        seed, as_of = self.ctx.seed, self.ctx.as_of
        day = max(bill_date, due_date - timedelta(days=_draw(seed, number, bill_date) % 15))
        if _months(as_of) - _months(bill_date) < skip or day > as_of or total <= 0:
            return
        tender = self.types[code]
        extra = {}
        if tender.category == "check":
            extra["check_number"] = self._check_number(
                day, 1001 + _draw(seed, number, bill_date, "check") % 8999
            )
        elif tender.category == "card":
            token = _draw(seed, number, bill_date, "token")
            extra["processor_token"] = f"tok_{token:016x}"
            extra["last4"] = f"{_draw(seed, number, 'card') % 10_000:04d}"
        yield BulkPayment(
            account_id=account_id,
            amount=total,
            tender_type_id=tender.pk,
            accounting_date=day,
            payment_date=day,
            tender_source_id=self.sources[TENDERS[code][1]],
            **extra,
        )

    def _check_number(self, day: date, drawn: int) -> str:
        """The drawn check number, or the next one free on that day: accounts are paid in
        number order within a month, so the result is the same for a seed."""
        used = self.checks_by_day.setdefault(day, set())
        number = drawn
        while str(number) in used:
            number += 1
        used.add(str(number))
        return str(number)


def _analyze() -> None:
    """Fresh planner statistics: the tables grew by millions of rows since the last
    (autovacuum may be off, or not yet caught up) and the debt queries need index plans."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Account, ServiceAgreement, FinancialTransaction, Bill, Payment):
                cursor.execute(f"ANALYZE {model._meta.db_table}")  # noqa: S608


@register_step(41, "payment upload To Do entries")
def demo_payment_todos(ctx: DemoContext) -> None:
    """A few lockbox payments raised as upload exceptions (seed 003 steps 7.4-7.5), each
    pointing at its payment so the To Do screen opens it on the Payments tab."""
    from datetime import datetime, time

    from django.utils import timezone

    from accounts.models import ToDoEntry, ToDoType

    if ToDoEntry.objects.filter(source__startswith="payments.").exists():
        ctx.log("payment To Do entries exist already: skipped")
        return
    todo_type = ToDoType.objects.filter(code="PAYUPLOAD").first()
    if todo_type is None:
        return
    rows = list(
        Payment.objects.filter(
            event__tender_source__code="LOCKBOX", account__customer__is_public=True
        )
        .order_by("-accounting_date", "pk")
        .values_list(
            "pk",
            "account_id",
            "accounting_date",
            "event__tenders__check_number",
            "account__number",
        )[:40]
    )
    # Drawn by account number and date, not pk: the same entries for a seed every time.
    picked = sorted(rows, key=lambda r: _draw(ctx.seed, "todo", r[4], r[2]))[:5]
    tz = timezone.get_current_timezone()
    ToDoEntry.objects.bulk_create(
        ToDoEntry(
            todo_type=todo_type,
            account_id=account_id,
            subject=f"Lockbox check #{check or '?'}: remittance stub unreadable",
            detail="Confirm the account on the stub and move the payment if needed.",
            source=f"payments.Payment:{pk}",
            created_at=datetime.combine(day + timedelta(days=1), time(7, 30), tzinfo=tz),
        )
        for pk, account_id, day, check, _ in picked
    )
    ctx.log(f"  {len(picked)} payment upload To Do entries")


@register_step(36, "panel showcase: an unposted payment")
def demo_unposted_payment(ctx: DemoContext) -> None:
    """One cash payment received at the window and not yet distributed, so the panel's
    last payment shows its "U" mark (issue 8 item 8) on the showcase account."""
    from decimal import Decimal

    from accounts.demo import showcase_accounts

    from .services.events import DistributionMode, PaymentIn, TenderIn, payment_event_create

    if Payment.objects.filter(status=Payment.Status.INCOMPLETE).exists():
        ctx.log("unposted payment exists already: skipped")
        return
    number = showcase_accounts(ctx).get("unposted")
    if number is None:
        return
    account = Account.objects.get(number=number)
    amount = Decimal("25.00")
    payment_event_create(
        tender_source=TenderSource.objects.get(code="CASHIER"),
        payment_date=ctx.as_of,
        tenders=[TenderIn(tender_type=TenderType.objects.get(code="CASH"), amount=amount)],
        payments=[PaymentIn(account=account, amount=amount, accounting_date=ctx.as_of)],
        mode=DistributionMode.DO_NOT_DISTRIBUTE,
        comments="Left for a supervisor to distribute (demo).",
    )
    ctx.log(f"  unposted payment on {number}")


DEMO_UPLOAD_NAME = "demo-remittance.csv"


@register_step(42, "a payment file with an unreadable line")
def demo_upload_exception(ctx: DemoContext) -> None:
    """A small CSV remittance file staged as the inbox job stages one, so the upload
    exceptions screen has work (issue 9 item 5): two good lines wait for the nightly
    `payment_upload`, one amount is unreadable ("1O.00", an exception at import, with its
    TD-PYUPL To Do entry). Nothing is posted here: a CSR corrects the line on the screen
    and `runbatch payment_upload` posts all three."""
    from .models import UploadException, UploadFile
    from .upload.intake import upload_file_import
    from .upload.todo import todos_create

    if UploadFile.objects.filter(name=DEMO_UPLOAD_NAME).exists():
        ctx.log("demo payment file staged already: skipped")
        return
    numbers = list(
        Account.objects.filter(
            is_suspense=False,
            customer__is_public=True,
            activity_status=Account.ActivityStatus.CURRENT,
        )
        .order_by("number")
        .values_list("number", flat=True)[:3]
    )
    if len(numbers) < 3:
        return
    day = ctx.as_of.isoformat()
    text = (
        "account,amount,date,check_number,payer_name,payee_accounts\n"
        f"{numbers[0]},45.00,{day},7001,DEMO PAYER ONE,\n"
        f"{numbers[1]},1O.00,{day},7002,DEMO PAYER TWO,\n"
        f"{numbers[2]},62.10,{day},7003,DEMO PAYER THREE,\n"
    )
    upload = upload_file_import(
        name=DEMO_UPLOAD_NAME, data=text.encode(), format="csv", channel="inbox"
    )
    exceptions = list(
        UploadException.objects.filter(
            payment_staging__tender_staging__deposit_staging__upload_file=upload
        ).select_related("payment_staging__account")
    )
    todos_create(exceptions, ctx.as_of)
    # Dated by the demo's as-of day, not the clock, so the same seed builds the same data.
    from datetime import datetime, time

    from django.utils import timezone

    from accounts.models import ToDoEntry

    ToDoEntry.objects.filter(
        source__in=[f"payments.PaymentStaging:{e.payment_staging_id}" for e in exceptions]
    ).update(
        created_at=datetime.combine(ctx.as_of, time(7, 45), tzinfo=timezone.get_current_timezone())
    )
    ctx.log(f"  {DEMO_UPLOAD_NAME}: 3 lines staged, {len(exceptions)} upload exception")


DEMO_DONATION = "RNDUP"  # codes are up to 6 characters (seed 004)


@register_step(49, "deferred charges: round-up donations")
def demo_deferred_charges(ctx: DemoContext) -> None:
    """seed 004 Deferred Charges: an opt-in round-up donation (rounds what the account owes
    up to the next whole dollar, taken from the payment's overpayment, at most 5.00, to
    GL 2400), six customers opted in, and four of them paying their balance rounded up at
    the window, so their receipts and the sub-tab show a donation."""
    from decimal import ROUND_CEILING, Decimal

    from django.db import transaction

    from accounts.demo import showcase_accounts
    from accounts.models import GLAccount
    from accounts.selectors import account_aging

    from .exceptions import PaymentError
    from .models import DeferredChargeEnrollment, DeferredChargeType
    from .services.deferred import deferred_participation_set
    from .services.events import DistributionMode, PaymentIn, TenderIn, payment_event_create

    if DeferredChargeType.objects.filter(code=DEMO_DONATION).exists():
        ctx.log("deferred charges exist already: skipped")
        return
    item = DeferredChargeType.objects.create(
        code=DEMO_DONATION,
        description="Round-up for the Neighbor Warmth Fund",
        signup_type=DeferredChargeType.Signup.OPT_IN,
        trigger=DeferredChargeType.Trigger.OVERPAYMENT,
        round_up_multiple=Decimal("1.00"),
        never_exceed=Decimal("5.00"),
        gl_account=GLAccount.objects.get(code="2400"),
    )
    showcase = set(showcase_accounts(ctx).values())
    # Current accounts owing cents (past-due ones are left to the delinquency demo).
    candidates = []
    for a in (
        Account.objects.filter(
            is_suspense=False, balance__gt=0, customer__do_not_accept_payments=False
        )
        .exclude(number__in=showcase)
        .select_related("customer")
        .order_by("number")
    ):
        if len(candidates) == 6:
            break
        if (
            a.number.isdigit()
            and a.balance != a.balance.to_integral_value()
            and account_aging(account=a, as_of=ctx.as_of).past_due <= 0
        ):
            candidates.append(a)
    cashier, cash = TenderSource.objects.get(code="CASHIER"), TenderType.objects.get(code="CASH")
    paid = 0
    for n, account in enumerate(candidates):
        deferred_participation_set(customer=account.customer, charge_type=item, participating=True)
        if n >= 4:
            continue  # opted in, no payment since
        amount = account.balance.to_integral_value(rounding=ROUND_CEILING).quantize(Decimal("0.01"))
        try:
            with transaction.atomic():
                payment_event_create(
                    tender_source=cashier,
                    payment_date=ctx.as_of,
                    tenders=[TenderIn(tender_type=cash, amount=amount)],
                    payments=[PaymentIn(account=account, amount=amount, accounting_date=ctx.as_of)],
                    mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
                    comments="Paid rounded up: the change goes to the warmth fund (demo).",
                )
            paid += 1
        except PaymentError as refused:
            ctx.log(f"  {account.number}: {refused}")
    opted = DeferredChargeEnrollment.objects.filter(charge_type=item).count()
    ctx.log(f"  {DEMO_DONATION}: {opted} customers opted in, {paid} payments with a donation")
