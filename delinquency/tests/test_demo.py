"""The demo's delinquency (`make run`): what the nightly jobs leave on the demo's ledger is
there to see: a past-due account with a notice, late charges and skips, a shut-off candidate
with its disconnect order, one blocked by a medical certificate, No Penalty with its alert
and an active arrangement. The ledger stays clean."""

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.ledger_checks import ledger_breaches
from delinquency.models import (
    Arrangement,
    CreditAttributes,
    LateNotice,
    PenaltyDecision,
    ShutoffEvaluation,
    WriteOff,
)

AS_OF = dt.date(2026, 11, 25)


@pytest.mark.django_db
def test_demo_shows_notices_penalties_no_penalty_an_arrangement_and_a_shutoff_candidate():
    call_command("seed_demo", "--accounts", "120", "--seed", "11", "--as-of", AS_OF.isoformat())

    notice = LateNotice.objects.filter(bill__isnull=False).first()
    assert notice is not None and notice.past_due > 0
    assert PenaltyDecision.objects.filter(outcome="charged", amount__gt=0).exists()
    candidates = ShutoffEvaluation.objects.filter(
        as_of=AS_OF, is_eligible=True, service_order__isnull=False
    )
    assert candidates.exists()
    assert {c.service_order.kind for c in candidates} == {"disconnect"}
    assert ShutoffEvaluation.objects.filter(
        as_of=AS_OF, is_eligible=False, reason__icontains="medical"
    ).exists()
    no_penalty = CreditAttributes.objects.get(no_penalty=True)
    assert no_penalty.no_penalty_active(AS_OF)
    assert Arrangement.objects.filter(status="active").count() == 1
    # write-offs (README "Write-offs"): two final balances, one partly recovered
    write_offs = list(WriteOff.objects.select_related("account"))
    assert len(write_offs) == 2
    assert all(w.account.is_bad_debt and w.account.in_collections for w in write_offs)
    assert sorted(w.recovered > 0 for w in write_offs) == [False, True]
    assert all(w.account.balance == 0 for w in write_offs)
    assert list(ledger_breaches()) == []

    # Seeding again adds nothing twice.
    counts = (LateNotice.objects.count(), PenaltyDecision.objects.count())
    call_command("seed_demo", "--accounts", "120", "--seed", "11", "--as-of", AS_OF.isoformat())
    assert (LateNotice.objects.count(), PenaltyDecision.objects.count()) == counts
