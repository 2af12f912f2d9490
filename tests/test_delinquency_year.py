"""A year of nightly runs on demo data (issue 12 "Must show": `check_ledger` clean after a
simulated year).

`seed_demo` builds a small utility as of New Year's Eve 2025. Then, for every night of 2026,
the real nightly chain runs as beat starts it (the job list of the "OpenCIS nightly batch"
periodic task: bill completion, payment upload, autopay, late notices and their emails,
penalties, the arrangement review, shut-off candidates, auto-reconnect), and in the day
customers behave as customers do: each account gets a bill on the first of the month, and
pays it on time, late, in part or never, by its habit. Along the way a Supervisor gives one
never-paying account No Penalty until June 30th, and a late payer makes a payment
arrangement in March.

At the end: the ledger is clean, no bill was charged a late fee twice, the No Penalty
account was not charged while it was active and was charged after, the arrangement was
reviewed, every shut-off candidate got exactly one disconnect order, and every account the
jobs looked at has its decisions recorded.
"""

import datetime as dt
import json
import random
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db.models import Count
from django_celery_beat.models import PeriodicTask

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account, Bill
from accounts.services.bills import bill_create
from autopay.models import Enrollment
from cis.tasks import nightly_batch_task
from delinquency.models import (
    Arrangement,
    LateNotice,
    PenaltyDecision,
    ShutoffEvaluation,
)
from delinquency.services.arrangements import demo_arrangement_put
from delinquency.services.credit import no_penalty_demo_set
from payments.tests.factories import pay
from serviceorders.models import ServiceOrder

pytestmark = pytest.mark.django_db

START = dt.date(2025, 12, 31)
YEAR = [START + dt.timedelta(days=n) for n in range(1, 366)]
HABITS = ("on_time", "late", "partial", "never")


def _nightly(day: dt.date, capture) -> None:
    task = PeriodicTask.objects.get(name="OpenCIS nightly batch")
    with capture(execute=True):
        nightly_batch_task(jobs=json.loads(task.kwargs)["jobs"], business_date=day.isoformat())


def test_a_year_of_nightly_runs_keeps_the_ledger_clean(django_capture_on_commit_callbacks):
    call_command("seed_demo", "--accounts", "24", "--seed", "3", "--as-of", START.isoformat())
    rng = random.Random(2026)
    # Paying habits are the customers' own: accounts on autopay (the demo's) are left out.
    accounts = [
        a
        for a in Account.objects.filter(is_suspense=False, agreements__status="active")
        .exclude(pk__in=Enrollment.objects.values("account_id"))
        .distinct()
        .order_by("number")
        if a.number.isdigit()
    ]
    habit = {a.pk: HABITS[i % len(HABITS)] for i, a in enumerate(accounts)}
    no_penalty = next(a for a in accounts if habit[a.pk] == "never")
    arranged = next(a for a in accounts if habit[a.pk] == "late" and a.pk != no_penalty.pk)
    demo_orders = set(ServiceOrder.objects.values_list("pk", flat=True))
    payments_due: dict[dt.date, list[tuple[Account, D | None]]] = {}

    for day in YEAR:
        if day.day == 1:
            for account in accounts:
                sa = account.agreements.filter(status="active").order_by("pk").first()
                amount = D(rng.randint(2500, 12000)) / 100
                due = day + dt.timedelta(days=21)
                bill_create(account=account, bill_date=day, due_date=due, segments={sa: amount})
                kind = habit[account.pk]
                if kind == "on_time":
                    # the whole balance: whatever the demo's history left owing too
                    payments_due.setdefault(due - dt.timedelta(days=2), []).append((account, None))
                elif kind == "late":
                    payments_due.setdefault(due + dt.timedelta(days=40), []).append(
                        (account, amount)
                    )
                elif kind == "partial":
                    payments_due.setdefault(due, []).append(
                        (account, (amount / 2).quantize(D("0.01")))
                    )
        if day == dt.date(2026, 2, 1):
            no_penalty_demo_set(account=no_penalty, expires_on=dt.date(2026, 6, 30), today=day)
        _nightly(day, django_capture_on_commit_callbacks)
        for account, amount in payments_due.pop(day, []):
            account.refresh_from_db()
            if account.balance > 0:
                with django_capture_on_commit_callbacks(execute=True):
                    pay(account, min(amount or account.balance, account.balance), day=day)
        if day == dt.date(2026, 3, 10):
            assert demo_arrangement_put(account=arranged, today=day) is not None

    assert list(ledger_breaches()) == []
    call_command("check_ledger")

    # Every bill completed; none charged a late fee twice (the constraint holds it too).
    assert not Bill.objects.filter(status=Bill.Status.PENDING, bill_date__lte=YEAR[-1]).exists()
    twice = (
        PenaltyDecision.objects.filter(outcome="charged")
        .values("bill_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert list(twice) == []
    # No Penalty: skipped while active, charged once it expired.
    decisions = PenaltyDecision.objects.filter(account=no_penalty)
    assert decisions.filter(as_of__range=(dt.date(2026, 2, 1), dt.date(2026, 6, 30))).exists()
    assert not decisions.filter(
        outcome="charged", as_of__range=(dt.date(2026, 2, 1), dt.date(2026, 6, 30))
    ).exists()
    assert decisions.filter(outcome="charged", as_of__gt=dt.date(2026, 6, 30)).exists()
    # The never-paying accounts were noticed and charged; the prompt payers never were.
    never = [a for a in accounts if habit[a.pk] == "never" and a.pk != no_penalty.pk]
    noticed = set(LateNotice.objects.values_list("account_id", flat=True))
    assert [a.number for a in never if a.pk not in noticed] == []
    prompt = [a for a in accounts if habit[a.pk] == "on_time"]
    assert not PenaltyDecision.objects.filter(
        account__in=prompt, outcome="charged", as_of__gt=dt.date(2026, 2, 1)
    ).exists()
    # The arrangement was reviewed to an end (kept or broken), not left active forever.
    arrangement = Arrangement.objects.get(account=arranged)
    assert arrangement.status in (Arrangement.Status.KEPT, Arrangement.Status.BROKEN)
    # Each shut-off candidate has exactly one disconnect order per candidacy.
    eligible = ShutoffEvaluation.objects.filter(is_eligible=True)
    assert eligible.exists()
    orders = ServiceOrder.objects.filter(kind="disconnect", origin=ServiceOrder.Origin.JOB).exclude(
        pk__in=demo_orders
    )
    assert orders.count() == eligible.exclude(service_order=None).count()
    assert (
        orders.filter(status__in=ServiceOrder.INCOMPLETE)
        .values("account_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
        == 0
    )
