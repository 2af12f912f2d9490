"""Late charges (issue 12 item 3): the policy's rule, one charge per bill, every skip
reason, No Penalty until its expire date, the second and the concurrent run, the ledger."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.ledger_checks import ledger_breaches
from accounts.models import (
    Adjustment,
    Customer,
    FinancialTransaction,
    Note,
    SpecialCondition,
    SpecialConditionType,
)
from accounts.services.adjustments import adjustment_cancel
from cis.batch import batch_run, get_job
from delinquency.models import (
    Arrangement,
    ArrangementInstallment,
    CreditAttributes,
    DelinquencyPolicy,
    LateNotice,
    PenaltyDecision,
)
from delinquency.services.penalties import penalties_assess, penalty_amount

from .conftest import AS_OF, past_due

pytestmark = pytest.mark.django_db
D = Decimal
NEXT = AS_OF + dt.timedelta(days=1)


def run(day=AS_OF, job="delinquency_penalties"):
    return batch_run(job_name=job, business_date=day, force=True)


def decision(sa, day=AS_OF):
    return PenaltyDecision.objects.get(account_id=sa.account_id, as_of=day)


def test_a_late_account_is_charged_once_per_bill_on_the_ledger(policy):
    sa = past_due("200.00", days=20)
    too_recent = past_due("200.00", days=19)

    first = run()

    d = decision(sa)
    assert (d.outcome, d.reason, d.amount, d.past_due) == (
        "charged",
        "charged",
        D("3.00"),
        D("200.00"),
    )
    assert d.bill_id == sa.account.bills.get().pk and d.batch_run == first
    adjustment = Adjustment.objects.get(pk=d.adjustment_id)
    assert adjustment.adjustment_type.is_penalty and adjustment.sa_id == sa.pk
    ft = FinancialTransaction.objects.get(adjustment=adjustment)
    assert (ft.current_amount, ft.accounting_date) == (D("3.00"), AS_OF)
    sa.account.refresh_from_db()
    assert sa.account.balance == D("203.00")
    assert not PenaltyDecision.objects.filter(account_id=too_recent.account_id)
    assert (first.lines, first.money) == (1, D("3.00"))
    assert list(ledger_breaches()) == []

    # The second run of the same date charges nothing, nor do the next nights: that bill
    # was charged. The account that was 19 days late is charged tomorrow.
    second = run()
    assert (second.attempts, second.lines) == (2, 1)  # counts add up over attempts
    assert Adjustment.objects.count() == 1
    run(NEXT)
    assert PenaltyDecision.objects.filter(account_id=sa.account_id).count() == 1
    assert decision(too_recent, NEXT).outcome == "charged"
    assert Adjustment.objects.count() == 2
    # The next bill, unpaid 20 days after its due date, is charged again.
    later = AS_OF + dt.timedelta(days=30)
    past_due("100.00", days=20, as_of=later, sa=sa)
    run(later)
    assert decision(sa, later).amount == D("4.55")  # 1.5% of 303.00
    assert list(ledger_breaches()) == []


def test_a_concurrent_second_assessment_of_the_same_accounts_charges_nothing(policy):
    """Two workers with the same accounts (no batch lock between them): the decisions'
    unique (account, date) lets one through, the other inserts nothing and posts nothing."""
    sa = past_due("100.00")
    once = penalties_assess(account_ids=[sa.account_id], business_date=AS_OF)
    twice = penalties_assess(account_ids=[sa.account_id], business_date=AS_OF)
    assert len(once.decisions) == 1 and twice.decisions == []
    assert Adjustment.objects.count() == 1
    assert list(ledger_breaches()) == []


def test_no_penalty_until_its_expire_date_then_the_next_run_charges(policy):
    sa = past_due("100.00")
    CreditAttributes.objects.create(
        account=sa.account, no_penalty=True, no_penalty_expires_on=AS_OF
    )
    run()
    run(job="delinquency_notices")
    d = decision(sa)
    assert (d.outcome, d.reason, d.detail) == ("skipped", "no_penalty", "until 06/01/2026")
    assert not Adjustment.objects.exists()
    # No Penalty still gets its notice.
    assert LateNotice.objects.get().account_id == sa.account_id

    run(NEXT)
    assert (decision(sa, NEXT).outcome, decision(sa, NEXT).amount) == ("charged", D("1.50"))


def test_no_penalty_without_expire_date_keeps_skipping(policy):
    sa = past_due()
    CreditAttributes.objects.create(account=sa.account, no_penalty=True)
    run()
    run(NEXT)
    assert set(PenaltyDecision.objects.values_list("reason", flat=True)) == {"no_penalty"}


def test_a_grace_date_on_a_note_skips_through_that_date(policy):
    sa = past_due()
    Note.objects.create(
        level="customer",
        customer=sa.account.customer,
        subject="Promised",
        text="x",
        grace_date=AS_OF,
    )
    run()
    assert decision(sa).reason == "grace"
    run(NEXT)
    assert decision(sa, NEXT).reason == "charged"


@pytest.mark.parametrize("level", ["account", "customer", "location"])
def test_a_special_condition_that_exempts_penalties(policy, level):
    sa = past_due()
    exempt = SpecialConditionType.objects.create(
        code="NOPEN2", description="Exempt", exempts_penalty=True
    )
    other = SpecialConditionType.objects.create(code="DOGX", description="Dog")
    owner = {
        "account": sa.account,
        "customer": sa.account.customer,
        "location": sa.account.location,
    }
    SpecialCondition.objects.create(
        level=level, condition_type=other, effective_on=AS_OF, **{level: owner[level]}
    )
    exempt_account = past_due()
    SpecialCondition.objects.create(
        level="account", account=exempt_account.account, condition_type=exempt, effective_on=AS_OF
    )
    later = past_due()
    SpecialCondition.objects.create(
        level=level,
        condition_type=exempt,
        effective_on=NEXT,
        **{
            level: {
                "account": later.account,
                "customer": later.account.customer,
                "location": later.account.location,
            }[level]
        },
    )
    SpecialCondition.objects.create(
        level=level, condition_type=exempt, effective_on=AS_OF, **{level: owner[level]}
    )
    run()
    assert decision(sa).reason == "special_condition"
    assert decision(sa).detail == f"NOPEN2 on the {level}"
    assert decision(exempt_account).reason == "special_condition"
    assert decision(later).reason == "charged"  # not yet effective


def test_bankrupt_customers_are_not_charged(policy):
    sa = past_due()
    Customer.objects.filter(pk=sa.account.customer_id).update(is_bankrupt=True)
    run()
    assert decision(sa).reason == "bankrupt"


def _arrangement(sa, number, broken=False):
    arrangement = Arrangement.objects.create(
        number=number,
        account=sa.account,
        balance_at_setup=D("100.00"),
        amount=D("100.00"),
        installments_count=2,
        frequency="monthly",
        start_on=AS_OF - dt.timedelta(days=40),
    )
    ArrangementInstallment.objects.create(
        arrangement=arrangement,
        sequence=1,
        due_on=AS_OF - dt.timedelta(days=40),
        amount=D("50.00"),
        status="broken" if broken else "kept",
    )
    return arrangement


def test_a_kept_arrangement_exempts_when_the_policy_says_so(policy):
    kept = past_due()
    _arrangement(kept, "A1")
    broken = past_due()
    _arrangement(broken, "A2", broken=True)
    run()
    assert (decision(kept).reason, decision(kept).detail) == ("arrangement", "arrangement A1")
    assert decision(broken).reason == "charged"

    DelinquencyPolicy.objects.filter(pk=policy.pk).update(kept_arrangement_exempts_penalty=False)
    run(NEXT)
    assert decision(kept, NEXT).reason == "charged"


def test_below_the_minimum_is_skipped(policy):
    sa = past_due("9.99")
    run()
    assert (decision(sa).reason, decision(sa).amount) == ("below_minimum", 0)


def test_the_cap_over_twelve_months(policy):
    DelinquencyPolicy.objects.filter(pk=policy.pk).update(
        penalty_kind="fixed", penalty_fixed=D("5.00"), penalty_cap=D("8.00")
    )
    sa = past_due("100.00", days=50)
    run(AS_OF - dt.timedelta(days=30))  # the first bill: 5.00
    past_due("100.00", days=20, sa=sa)
    run()  # the second bill: cut to 3.00 (8.00 in 12 months)
    assert decision(sa).amount == D("3.00")
    assert "cap" in decision(sa).detail
    past_due("100.00", days=20, sa=sa, as_of=AS_OF + dt.timedelta(days=30))
    run(AS_OF + dt.timedelta(days=30))
    d = decision(sa, AS_OF + dt.timedelta(days=30))
    assert (d.reason, d.amount) == ("cap", 0)
    # A cancelled late charge no longer counts towards the cap.
    adjustment_cancel(
        adjustment=Adjustment.objects.get(amount=D("3.00")),
        reason="courtesy",
        accounting_date=AS_OF + dt.timedelta(days=30),
    )
    run(AS_OF + dt.timedelta(days=31))
    assert decision(sa, AS_OF + dt.timedelta(days=31)).amount == D("3.00")
    assert list(ledger_breaches()) == []


def test_penalty_amount_minimum_and_maximum(policy):
    policy.penalty_minimum = D("2.00")
    policy.penalty_maximum = D("10.00")
    assert penalty_amount(policy, D("50.00")) == D("2.00")  # 0.75 raised
    assert penalty_amount(policy, D("300.00")) == D("4.50")
    assert penalty_amount(policy, D("1000.00")) == D("10.00")  # 15.00 lowered
    policy.penalty_kind = "fixed"
    policy.penalty_fixed = D("25.00")
    assert penalty_amount(policy, D("1.00")) == D("10.00")


def test_skip_reasons_are_counted_for_the_run(policy):
    charged = past_due()
    np = past_due()
    CreditAttributes.objects.create(account=np.account, no_penalty=True)
    small = past_due("5.00")
    small2 = past_due("6.00")
    result = run()
    assert (result.lines, result.skipped, result.money) == (1, 3, D("1.50"))
    report = get_job("delinquency_penalties").report(result)
    assert report == [
        "late charges: 1 for $1.50",
        "skipped, Past due below the policy minimum: 2",
        "skipped, No Penalty is set: 1",
    ]
    assert charged and small and small2


def test_a_chunk_of_fifty_accounts_costs_a_fixed_number_of_queries(
    policy, django_assert_max_num_queries
):
    sas = [past_due() for _ in range(50)]
    CreditAttributes.objects.create(account=sas[0].account, no_penalty=True)
    with django_assert_max_num_queries(18):
        outcome = penalties_assess(account_ids=[sa.account_id for sa in sas], business_date=AS_OF)
    assert outcome.counts == {"charged": 49, "no_penalty": 1}
    assert list(ledger_breaches()) == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_charge_once(policy):
    """Two connections assess the same account at the same time, no batch lock between
    them: the second's insert waits on the unique index for the first's transaction, then
    does nothing (ON CONFLICT DO NOTHING), so it posts nothing."""
    import threading

    from django.db import connection, transaction

    sa = past_due("100.00")
    inserted, release, results = threading.Event(), threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = penalties_assess(
                    account_ids=[sa.account_id], business_date=AS_OF
                )
                inserted.set()
                release.wait(30)
        finally:
            inserted.set()
            connection.close()

    def second():
        try:
            results["second"] = penalties_assess(account_ids=[sa.account_id], business_date=AS_OF)
        finally:
            connection.close()

    a = threading.Thread(target=first)
    a.start()
    inserted.wait(30)
    b = threading.Thread(target=second)
    b.start()
    b.join(1.0)
    assert b.is_alive()  # waiting for the first's uncommitted decision
    release.set()
    a.join(30)
    b.join(30)
    assert len(results["first"].decisions) == 1
    assert results["second"].decisions == []
    assert Adjustment.objects.count() == 1
    assert list(ledger_breaches()) == []
