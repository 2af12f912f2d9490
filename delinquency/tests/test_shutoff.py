"""The shut-off candidates job (issue 12 item 7): each rule blocks (or, No Penalty, does
not), the notice lead time in business days, one disconnect order per candidate, and a
payment before dispatch cancels it."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Account
from cis.batch import batch_run
from delinquency.models import (
    Arrangement,
    BillDispute,
    CreditAttributes,
    DelinquencyPolicy,
    MedicalCertificate,
    MoratoriumDay,
    ServiceTerritory,
    ShutoffEvaluation,
)
from delinquency.services.shutoff import shutoff_evaluate
from payments.tests.factories import pay
from serviceorders.models import ServiceOrder
from serviceorders.services.orders import service_order_complete, service_order_dispatch

from .shutoff_builders import AS_OF, candidate, life_support, notice, ref_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _ref(db):
    ref_load()


def run(as_of=AS_OF, **kw):
    return batch_run(job_name="shutoff_candidates", business_date=as_of, **kw)


def evaluation(account, as_of=AS_OF):
    return ShutoffEvaluation.objects.get(account=account, as_of=as_of)


def check(ev, rule):
    (found,) = [c for c in ev.checks if c["rule"] == rule]
    return found


def disconnects(account):
    return ServiceOrder.objects.filter(account=account, kind="disconnect")


def test_a_candidate_becomes_exactly_one_disconnect_order_and_a_rerun_makes_none():
    account = candidate()
    first = run()
    ev = evaluation(account)
    assert ev.is_eligible and ev.past_due == Decimal("120.00")
    (order,) = disconnects(account)
    assert ev.service_order == order
    assert order.origin == ServiceOrder.Origin.JOB and order.type.code == "DISCNP"
    assert order.effective_date == AS_OF and order.status == ServiceOrder.Status.OPEN
    assert all(c["passed"] for c in ev.checks)
    assert first.done == 1 and first.lines == 1
    assert ev.batch_run == first

    again = run(force=True)
    assert disconnects(account).count() == 1
    assert again.lines == 1 and again.attempts == 2  # the run's count, not a second order
    # The next business day: an open disconnect already, not a candidate again.
    run(AS_OF + dt.timedelta(days=1))
    assert disconnects(account).count() == 1
    later = evaluation(account, AS_OF + dt.timedelta(days=1))
    assert not later.is_eligible and later.reason.startswith("No open disconnect order")


def test_calling_the_service_twice_makes_one_order_and_one_evaluation():
    account = candidate()
    shutoff_evaluate(account_ids=[account.pk], as_of=AS_OF)
    again = shutoff_evaluate(account_ids=[account.pk], as_of=AS_OF)
    assert again.evaluated == 0 and again.eligible == 0
    assert disconnects(account).count() == 1
    assert ShutoffEvaluation.objects.filter(account=account).count() == 1


def test_already_shut_off_is_not_a_candidate_again():
    account = candidate()
    run()
    service_order_complete(order=disconnects(account).get(), completed_on=AS_OF)
    account.refresh_from_db()
    assert account.service_status == Account.ServiceStatus.SHUT_OFF
    run(AS_OF + dt.timedelta(days=1))
    ev = evaluation(account, AS_OF + dt.timedelta(days=1))
    assert not ev.is_eligible and not check(ev, "already_shut_off")["passed"]
    assert disconnects(account).count() == 1


def test_every_account_looked_at_gets_an_evaluation_with_the_first_blocking_rule():
    small = candidate(20)  # below the 50.00 minimum
    recent = candidate(120)
    recent_bill_account = candidate(120, noticed=False)
    run()
    ev = evaluation(small)
    assert not ev.is_eligible
    assert ev.reason.startswith("Past due at least the policy minimum")
    assert check(ev, "past_due") == {
        "rule": "past_due",
        "passed": False,
        "detail": "Past due 20.00, minimum 50.00",
    }
    assert evaluation(recent).is_eligible
    ev = evaluation(recent_bill_account)
    assert not ev.is_eligible and ev.reason.startswith("Late notice sent early enough")
    assert not disconnects(small).exists() and not disconnects(recent_bill_account).exists()


def test_not_late_enough_by_days_past_due():
    DelinquencyPolicy.objects.update(shutoff_days_past_due=90)  # 71 days late
    account = candidate()
    run()
    ev = evaluation(account)
    assert not ev.is_eligible and not check(ev, "days_past_due")["passed"]
    assert "71 days late, policy 90" in check(ev, "days_past_due")["detail"]


@pytest.mark.parametrize(
    "notice_on, eligible",
    [
        (dt.date(2026, 5, 18), True),  # Monday: 10 business days before Monday 06-01
        (dt.date(2026, 5, 19), False),  # Tuesday: 9 business days (14 calendar days)
        (dt.date(2026, 5, 16), True),  # a Saturday notice: 10 business days
    ],
)
def test_notice_lead_time_counts_business_days(notice_on, eligible):
    account = candidate(noticed=False)
    notice(account, on=notice_on)
    run()
    ev = evaluation(account)
    assert ev.is_eligible is eligible
    assert check(ev, "notice")["passed"] is eligible
    assert not disconnects(account).exists() or eligible


def test_a_second_later_notice_does_not_restart_the_lead_time():
    account = candidate()  # noticed 05-01
    notice(account, on=dt.date(2026, 5, 28))
    run()
    ev = evaluation(account)
    assert ev.is_eligible
    assert check(ev, "notice")["detail"].startswith("Late notice of 05/01/2026: 21 business days")


def test_a_notice_older_than_the_delinquency_does_not_count():
    account = candidate(noticed=False)
    notice(account, on=dt.date(2026, 2, 1))  # before the bill was due
    run()
    assert not check(evaluation(account), "notice")["passed"]


def test_valid_medical_certificate_blocks_and_an_expired_one_does_not():
    protected = candidate()
    MedicalCertificate.objects.create(
        account=protected,
        certified_on=dt.date(2026, 5, 1),
        expires_on=AS_OF,
        certifier="Dr. Lee",
    )
    expired = candidate()
    MedicalCertificate.objects.create(
        account=expired,
        certified_on=dt.date(2026, 4, 1),
        expires_on=AS_OF - dt.timedelta(days=1),
        certifier="Dr. Lee",
    )
    run()
    ev = evaluation(protected)
    assert not ev.is_eligible and ev.reason.startswith("No valid medical certificate")
    assert "until 06/01/2026" in check(ev, "medical")["detail"]
    assert not disconnects(protected).exists()
    assert evaluation(expired).is_eligible


def test_weather_moratorium_in_the_territory_blocks_elsewhere_not():
    north = ServiceTerritory.objects.create(code="N", description="North", postal_prefixes=["557"])
    inside = candidate()
    inside.location.postal_code = "55701"
    inside.location.save()
    outside = candidate()
    outside.location.postal_code = "12345"
    outside.location.save()
    MoratoriumDay.objects.create(territory=north, day=AS_OF, kind="cold", reason="-20F")
    run()
    ev = evaluation(inside)
    assert not ev.is_eligible and ev.reason.startswith("No weather moratorium")
    assert "Cold weather moratorium in N: -20F" in check(ev, "moratorium")["detail"]
    assert evaluation(outside).is_eligible


def test_moratorium_by_city_and_for_all_territories():
    ServiceTerritory.objects.create(code="C", description="City", cities=["Springfield"])
    by_city = candidate()
    by_city.location.city = "springfield"
    by_city.location.save()
    MoratoriumDay.objects.create(
        territory=ServiceTerritory.objects.get(code="C"), day=AS_OF, kind="hot"
    )
    run()
    assert not check(evaluation(by_city), "moratorium")["passed"]

    everywhere = candidate()
    MoratoriumDay.objects.create(territory=None, day=AS_OF + dt.timedelta(days=1), kind="hot")
    run(AS_OF + dt.timedelta(days=1))
    assert not check(evaluation(everywhere, AS_OF + dt.timedelta(days=1)), "moratorium")["passed"]


def _arrangement(account, status="active", **fields):
    return Arrangement.objects.create(
        number=f"ARR-{account.pk}",
        account=account,
        status=status,
        balance_at_setup=Decimal("120.00"),
        amount=Decimal("100.00"),
        installments_count=2,
        frequency="monthly",
        start_on=dt.date(2026, 5, 1),
        **fields,
    )


def test_active_arrangement_blocks_and_a_cancelled_one_does_not():
    on_plan = candidate()
    _arrangement(on_plan)
    cancelled = candidate()
    _arrangement(cancelled, status="cancelled")
    run()
    ev = evaluation(on_plan)
    assert not ev.is_eligible and ev.reason.startswith("No active payment arrangement")
    assert evaluation(cancelled).is_eligible


def test_broken_arrangement_protects_only_during_its_grace():
    grace = candidate()
    _arrangement(grace, status="broken", protects_until=AS_OF)
    over = candidate()
    _arrangement(over, status="broken", protects_until=AS_OF - dt.timedelta(days=1))
    run()
    assert not evaluation(grace).is_eligible
    assert evaluation(over).is_eligible


@pytest.mark.parametrize("level", ["account", "customer", "location"])
def test_life_support_special_condition_blocks_at_every_level(level):
    account = candidate()
    life_support(account, level)
    run()
    ev = evaluation(account)
    assert not ev.is_eligible and ev.reason.startswith("No life-support special condition")
    assert f"LIFESUPPORT ({level})" in check(ev, "life_support")["detail"]


def test_life_support_expired_or_not_yet_effective_does_not_block():
    expired = candidate()
    life_support(expired, expires_on=AS_OF - dt.timedelta(days=1))
    future = candidate()
    life_support(future, effective_on=AS_OF + dt.timedelta(days=1))
    run()
    assert evaluation(expired).is_eligible and evaluation(future).is_eligible


def test_bankruptcy_blocks():
    account = candidate()
    account.customer.is_bankrupt = True
    account.customer.save()
    run()
    ev = evaluation(account)
    assert not ev.is_eligible and ev.reason.startswith("Customer not bankrupt")


def test_open_dispute_blocks_and_a_resolved_one_does_not():
    disputed = candidate()
    BillDispute.objects.create(
        account=disputed, bill=disputed.test_bill, opened_on=dt.date(2026, 5, 2), reason="usage"
    )
    resolved = candidate()
    BillDispute.objects.create(
        account=resolved,
        bill=resolved.test_bill,
        opened_on=dt.date(2026, 5, 2),
        resolved_on=dt.date(2026, 5, 20),
        reason="usage",
    )
    run()
    ev = evaluation(disputed)
    assert not ev.is_eligible and ev.reason.startswith("No open bill dispute")
    assert evaluation(resolved).is_eligible


def test_no_penalty_is_not_a_protection():
    account = candidate()
    CreditAttributes.objects.create(account=account, no_penalty=True)
    run()
    ev = evaluation(account)
    assert ev.is_eligible
    assert disconnects(account).count() == 1
    assert "not a shut-off" in check(ev, "no_penalty")["detail"]


def test_paying_before_dispatch_cancels_the_jobs_order(django_capture_on_commit_callbacks):
    account = candidate()
    run()
    order = evaluation(account).service_order
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(account, 120, day=AS_OF)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.CANCELLED
    assert f"payment {payment.pk}" in order.cancel_reason
    assert evaluation(account).service_order == order


def test_paying_after_dispatch_leaves_the_order(django_capture_on_commit_callbacks):
    account = candidate()
    run()
    order = service_order_dispatch(order=evaluation(account).service_order)
    with django_capture_on_commit_callbacks(execute=True):
        pay(account, 120, day=AS_OF)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.DISPATCHED


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_order():
    """Two transactions evaluate the same account at the same time: the second waits for
    the first's account lock, then sees its evaluation and does nothing."""
    ref_load()
    account = candidate()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(shutoff_evaluate(account_ids=[account.pk], as_of=AS_OF))
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(r.eligible for r in results) == [0, 1]
    assert disconnects(account).count() == 1
    assert ShutoffEvaluation.objects.filter(account=account).count() == 1


def _queries(account_ids):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as captured:
        shutoff_evaluate(account_ids=account_ids, as_of=AS_OF)
    return len(captured.captured_queries)


def test_evaluating_a_chunk_costs_the_same_queries_for_3_or_12_accounts():
    """Set-based: the rules read each protection once per chunk, not per account (an
    eligible account adds only its order)."""
    accounts = [candidate() for _ in range(15)]
    for account in accounts:
        _arrangement(account)  # blocked: no order
        life_support(account)
        MedicalCertificate.objects.create(
            account=account, certified_on=AS_OF, expires_on=AS_OF, certifier="Dr. Lee"
        )
    few = _queries([a.pk for a in accounts[:3]])
    many = _queries([a.pk for a in accounts[3:]])
    assert few == many
    assert ShutoffEvaluation.objects.filter(as_of=AS_OF).count() == 15
