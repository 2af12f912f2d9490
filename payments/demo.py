"""Demo payments: most customers pay every bill on time, about one in eight stopped paying
a few months ago (so delinquency has work). Posted through the bulk path, month by month,
deterministic for a seed."""

import random
from datetime import date, timedelta

from django.db import connection

from accounts.models import Account, Bill, FinancialTransaction, ServiceAgreement
from cis.demo import DemoContext, register_step

from .models import Payment, TenderSource, TenderType
from .reference import NON_CIS_ACCOUNT, reference_data_load
from .services.bulk import BulkPayment, payments_post_bulk

CHUNK = 5000
LATE_SHARE = 0.125
# Tender type: (share of customers, tender source it comes through)
TENDERS = {
    "CHECK": (35, "LOCKBOX"),
    "CARD": (25, "WEB"),
    "ACH": (25, "AUTOPAY"),
    "CASH": (10, "CASHIER"),
    "MONEYORD": (5, "CASHIER"),
}


def _months(day: date) -> int:
    return day.year * 12 + day.month


@register_step(30, "payments")
def demo_payments(ctx: DemoContext) -> None:
    reference_data_load()
    if Payment.objects.exists():
        ctx.log("payments exist already: skipped")
        return
    rng = random.Random(f"payments-{ctx.seed}")
    types = {t.code: t for t in TenderType.objects.filter(code__in=TENDERS)}
    sources = {
        s.code: s for s in TenderSource.objects.filter(code__in={s for _, s in TENDERS.values()})
    }
    codes = list(TENDERS)
    weights = [share for share, _ in TENDERS.values()]
    # Per customer: how they pay, and how many recent bills they left unpaid (0: none;
    # 2+ leaves at least one bill past due).
    profiles = {}
    for pk in (
        Account.objects.exclude(number=NON_CIS_ACCOUNT)
        .order_by("number")
        .values_list("pk", flat=True)
    ):
        skip = rng.choice([2, 2, 3, 4]) if rng.random() < LATE_SHARE else 0
        profiles[pk] = (rng.choices(codes, weights)[0], skip)
    bills = Bill.objects.filter(status=Bill.Status.COMPLETE)
    first = bills.order_by("due_date").values_list("due_date", flat=True).first()
    if first is None:
        return
    posted = 0
    for n, month in enumerate(range(_months(first), _months(ctx.as_of) + 1)):
        if n % 4 == 0:
            _analyze()
        start = date((month - 1) // 12, (month - 1) % 12 + 1, 1)
        end = date(month // 12, month % 12 + 1, 1)
        window = bills.filter(due_date__gte=start, due_date__lt=end).order_by("pk")
        items: list[BulkPayment] = []
        for account_id, bill_date, due_date, total in window.values_list(
            "account_id", "bill_date", "due_date", "total"
        ):
            if account_id not in profiles:
                continue
            code, skip = profiles[account_id]
            day = max(bill_date, due_date - timedelta(days=rng.randint(0, 14)))
            if _months(ctx.as_of) - _months(bill_date) < skip or day > ctx.as_of or total <= 0:
                continue
            source = sources[TENDERS[code][1]]
            items.append(_item(rng, types[code], source, account_id, total, day))
        items.sort(key=lambda i: (i.accounting_date, i.account_id))
        for n in range(0, len(items), CHUNK):
            # The transition log is left out: it would be a million rows of "frozen".
            result = payments_post_bulk(items=items[n : n + CHUNK], log_transitions=False)
            posted += result.frozen
        ctx.log(f"  payments due by {end - timedelta(days=1)}: {posted:,} posted")


def _analyze() -> None:
    """Fresh planner statistics: the tables grew by millions of rows since the last
    (autovacuum may be off, or not yet caught up) and the debt queries need index plans."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Account, ServiceAgreement, FinancialTransaction, Bill, Payment):
                cursor.execute(f"ANALYZE {model._meta.db_table}")  # noqa: S608


def _item(rng: random.Random, tender: TenderType, source, account_id: int, total, day: date):
    extra = {}
    if tender.category == "check":
        extra["check_number"] = str(rng.randint(1001, 9999))
    elif tender.category == "card":
        extra["processor_token"] = f"tok_{rng.getrandbits(64):016x}"
        extra["last4"] = f"{rng.randint(0, 9999):04d}"
    return BulkPayment(
        account_id=account_id,
        amount=total,
        tender_type_id=tender.pk,
        accounting_date=day,
        payment_date=day,
        tender_source_id=source.pk,
        **extra,
    )
