"""What `make run`'s demo data shows a CSR (issue 8 item 8): one bill per cycle, lockbox
check numbers that don't repeat on a day, exact cached balances on SQLite, and an account
for every icon and marker on the panel.

One demo is built for the module (inside a transaction rolled back at the end) since
building it is the slow part; the as-of date is early in a month, so most cycle days are
still ahead of it (the case that billed the newest cycle twice)."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import RequestFactory

from accounts.acp.selectors.dashboard import panel_dashboard
from accounts.demo import SHOWCASE, showcase_accounts
from accounts.models import Account, Bill
from accounts.panel import PanelContext
from cis.demo import DemoContext
from payments.models import Tender

AS_OF = dt.date(2026, 12, 2)
SEED = 5
ARGS = ["--accounts", "150", "--seed", str(SEED), "--as-of", AS_OF.isoformat()]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", *ARGS, stdout=open(os.devnull, "w"))  # noqa: SIM115
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_account_is_billed_once_per_cycle(demo):
    repeated = (
        Bill.objects.values("account__number", "bill_date")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("account__number")
    )
    assert list(repeated[:5]) == []
    assert set(Bill.objects.values_list("account_id", flat=True)) == set(
        Account.objects.filter(bills__isnull=False).values_list("pk", flat=True)
    )
    # twelve months, the newest on or before the as-of date, one month apart
    dates = list(
        Bill.objects.filter(account__number="1000000003")
        .order_by("bill_date")
        .values_list("bill_date", flat=True)
    )
    assert len(dates) == 12 and dates[-1] <= AS_OF
    assert len({(d.year, d.month) for d in dates}) == 12


@pytest.mark.django_db
def test_lockbox_check_numbers_do_not_repeat_on_a_day(demo):
    checks = Tender.objects.exclude(check_number="").values("event__payment_date", "check_number")
    assert checks.count() > 100
    repeated = checks.annotate(n=Count("pk")).filter(n__gt=1).order_by("event__payment_date")
    assert list(repeated[:5]) == []


def _dashboard(number: str, user):
    request = RequestFactory().get("/")
    request.user = user
    ctx = PanelContext(request=request, account=Account.objects.get(number=number), today=AS_OF)
    return panel_dashboard(ctx)


@pytest.mark.django_db
def test_the_demo_has_an_account_for_every_icon_and_marker(demo):
    admin = User.objects.create_superuser("showcase-admin", password="x-9-long-password")
    picks = showcase_accounts(DemoContext(accounts=150, seed=SEED, as_of=AS_OF, log=print))
    assert set(picks) == set(SHOWCASE) and len(set(picks.values())) == len(SHOWCASE)
    expected = {
        "shut_off": "Account Status \u2013 Shutoff",
        "bankrupt": "Bankruptcy",
        "bad_debt": "Bad Debt",
        "collections": "Collections",
        "private": "Private",
    }
    for name, label in expected.items():
        dash = _dashboard(picks[name], admin)
        assert label in [i.label for i in dash.customer_icons], name
    assert ("Shut off", "danger") in _dashboard(picks["shut_off"], admin).header
    flagged = _dashboard(picks["location_flags"], admin)
    labels = [i.label for i in flagged.location_icons]
    assert "On Lien" in labels and len(labels) >= 2  # the lien and a location condition
    assert _dashboard(picks["grace"], admin).grace_until is not None
    unposted = _dashboard(picks["unposted"], admin).facts.last_payment
    assert unposted is not None and unposted.unposted


def test_seed_demo_on_sqlite_stores_exact_balances_and_passes_check_ledger(tmp_path):
    """`make run` without a DATABASE_URL: SQLite keeps decimals as floats, so balances the
    ledger moves must be stored as the nearest float to the exact cents, not float sums."""
    db = tmp_path / "demo.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    for args in (
        ("migrate", "-v0"),
        ("seed_demo", "--accounts", "20", "--seed", "1", "--as-of", AS_OF.isoformat()),
    ):
        done = manage(*args)
        assert done.returncode == 0, done.stderr[-2000:]
    ledger = manage("check_ledger")
    assert ledger.returncode == 0, ledger.stderr[-2000:]
    assert "ledger OK" in ledger.stdout
    # The demo staff sign in and work there: their permission checks must run on SQLite
    # (a UNION of two ordered queries did not).
    assert manage("demo_users").returncode == 0
    perms = manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "print(User.objects.get(username='csr').has_perm('accounts.view_account'))",
    )
    assert perms.returncode == 0, perms.stderr[-2000:]
    assert perms.stdout.strip().splitlines()[-1] == "True"
    with sqlite3.connect(db) as conn:
        for table in ("accounts_account", "accounts_serviceagreement"):
            values = [v for (v,) in conn.execute(f"SELECT balance FROM {table}")]  # noqa: S608
            assert values, table
            inexact = [v for v in values if Decimal(repr(v)) != round(Decimal(repr(v)), 2)]
            assert inexact == [], (table, inexact[:5])
