"""Two imports of the same return (the bank sent it in two files) at the same moment, on
separate PostgreSQL connections: one applies it, the other records a duplicate; the
tender is cancelled once, one NSF fee, one re-presentment."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command

from accounts.models import Adjustment, ToDoEntry
from accounts.tests.test_locking import race
from autopay.models import AchInboundEntry, Clearing
from autopay.services import returns
from autopay.services.returns import ach_file_import

from .achfiles import back, return_file
from .factories import clearing_posted, draft_enrollment

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_return_imported_twice_at_once_is_applied_once(
    account, autopay_reference, monkeypatch
):
    """Both imports have looked for an earlier application (none yet) before either takes
    the account lock; the one that waits must look again once it holds it."""
    clearing = clearing_posted(
        draft_enrollment(account),
        "100.00",
        extract_on=dt.date(2026, 1, 20),
        gl_distribution_on=dt.date(2026, 1, 22),
        status=Clearing.Status.EXTRACTED,
        trace_number="071000500000001",
    )
    one = return_file([back(clearing, "R01")])
    two = return_file([back(clearing, "R01")], created=dt.datetime(2026, 2, 3, 9, 0))
    today = dt.date(2026, 2, 3)
    both_checked = threading.Barrier(2, timeout=15)
    real = returns._return_mismatch

    def mismatch_after_both_checked(*args):
        both_checked.wait()
        return real(*args)

    monkeypatch.setattr(returns, "_return_mismatch", mismatch_after_both_checked)
    outcomes = race(
        lambda: ach_file_import(name="one.ach", data=one, today=today),
        lambda: ach_file_import(name="two.ach", data=two, today=today),
    )
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert sorted(AchInboundEntry.objects.values_list("outcome", flat=True)) == [
        "applied",
        "duplicate",
    ]
    assert Adjustment.objects.filter(adjustment_type__code="NSF").count() == 1
    assert Clearing.objects.filter(represents=clearing).count() == 1
    assert not ToDoEntry.objects.filter(todo_type__code="ACHRETURN").exists()
    call_command("check_ledger")
