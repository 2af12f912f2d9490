"""Payment arrangements (seed 004 Arrangements tab / wizard; issue 12 item 5): the rules,
the schedule, delete, and the nightly review with its credit rating effect."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import ChangeRecord, CreditRatingEvent
from accounts.selectors import account_credit_scores
from cis.batch import batch_run
from delinquency.models import Arrangement, ArrangementInstallment, DelinquencyPolicy
from delinquency.services.arrangements import (
    ArrangementError,
    account_on_arrangement,
    accounts_on_arrangement,
    arrangement_create,
    arrangement_delete,
    arrangement_warnings,
    billing_due_dates,
    demo_arrangement_put,
    installment_amounts,
)
from payments.services.events import DistributionMode
from payments.tests.factories import account_with, pay

from .arrangement_builders import TODAY, arr_ref, monthly, owing  # noqa: F401

D = Decimal
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("arr_ref")]


def _installments(arrangement):
    return list(
        arrangement.installments.order_by("sequence").values_list(
            "due_on", "amount", "paid_amount", "status"
        )
    )


def test_an_arrangement_gets_a_number_a_schedule_and_history():
    account, water, sewer = owing()
    arrangement = monthly(account, [water, sewer], amount="100.00", description="Winter plan")

    assert arrangement.number == f"ARR-{arrangement.pk:06d}"
    assert arrangement.status == Arrangement.Status.ACTIVE
    assert arrangement.balance_at_setup == D("180.00")
    assert set(arrangement.sas.all()) == {water, sewer}
    assert [(due, amt) for due, amt, _, _ in _installments(arrangement)] == [
        (dt.date(2026, 4, 1), D("33.33")),
        (dt.date(2026, 5, 1), D("33.33")),
        (dt.date(2026, 6, 1), D("33.34")),
    ]
    assert account_on_arrangement(account=account) == arrangement
    assert ChangeRecord.objects.filter(
        account=account, object_id=arrangement.pk, action="created"
    ).exists()


@pytest.mark.parametrize(
    "amount,count", [("100.00", 3), ("0.05", 5), ("999.99", 7), ("1234.56", 60), ("10.00", 1)]
)
def test_the_schedule_sums_exactly_to_the_amount(amount, count):
    parts = installment_amounts(amount=D(amount), count=count)
    assert len(parts) == count
    assert sum(parts) == D(amount)
    assert all(p > 0 and p.as_tuple().exponent == -2 for p in parts)
    assert len(set(parts[:-1])) <= 1 and parts[-1] >= parts[0]


def test_too_many_payments_for_the_amount_is_refused():
    with pytest.raises(ArrangementError, match="less than a cent"):
        installment_amounts(amount=D("0.05"), count=6)


def test_weekly_and_biweekly_schedules_step_from_the_start_date():
    account, water, _ = owing()
    weekly = arrangement_create(
        account=account,
        sas=[water],
        amount=D("40.00"),
        installments_count=3,
        frequency="weekly",
        start_on=dt.date(2026, 3, 5),
        today=TODAY,
    )
    assert [d for d, *_ in _installments(weekly)] == [
        dt.date(2026, 3, 5),
        dt.date(2026, 3, 12),
        dt.date(2026, 3, 19),
    ]
    arrangement_delete(arrangement=weekly, reason="wrong plan", today=TODAY)
    biweekly = arrangement_create(
        account=account,
        sas=[water],
        amount=D("40.00"),
        installments_count=2,
        frequency="biweekly",
        start_on=dt.date(2026, 3, 5),
        today=TODAY,
    )
    assert [d for d, *_ in _installments(biweekly)] == [dt.date(2026, 3, 5), dt.date(2026, 3, 19)]


def test_due_with_regular_billing_falls_on_the_accounts_due_day():
    account, water, _ = owing()  # its bill was due 01/22
    assert billing_due_dates(account=account, count=3, after=TODAY) == [
        dt.date(2026, 3, 22),
        dt.date(2026, 4, 22),
        dt.date(2026, 5, 22),
    ]
    assert billing_due_dates(account=account, count=1, after=dt.date(2026, 3, 25)) == [
        dt.date(2026, 4, 22)
    ]
    arrangement = arrangement_create(
        account=account,
        sas=[water],
        amount=D("30.00"),
        installments_count=2,
        frequency="billing",
        today=TODAY,
    )
    assert arrangement.start_on == dt.date(2026, 3, 22)


def test_an_account_without_a_balance_is_refused():
    account, (water,) = account_with("WATER")
    assert [w.code for w in arrangement_warnings(account=account, on=TODAY) if w.blocks] == [
        "no_balance"
    ]
    with pytest.raises(ArrangementError, match="no balance"):
        monthly(account, [water], amount="10.00")
    assert not Arrangement.objects.exists()


def test_a_second_active_arrangement_is_refused_and_the_database_backs_it():
    account, water, sewer = owing()
    first = monthly(account, [water])
    with pytest.raises(ArrangementError, match=f"{first.number} is still active"):
        monthly(account, [sewer], amount="30.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Arrangement.objects.create(
            number="ARR-X",
            account=account,
            balance_at_setup=D("10"),
            amount=D("5"),
            installments_count=1,
            frequency="monthly",
            start_on=TODAY,
        )
    # Once it is no longer active, a new one may be set up.
    arrangement_delete(arrangement=first, reason="customer asked", today=TODAY)
    assert monthly(account, [sewer], amount="30.00").status == "active"


def test_unposted_transactions_are_refused():
    account, water, _ = owing()
    pay(account, "20.00", mode=DistributionMode.DO_NOT_DISTRIBUTE, day=TODAY)
    warnings = {w.code: w for w in arrangement_warnings(account=account, on=TODAY)}
    assert warnings["unposted"].blocks
    with pytest.raises(ArrangementError, match="Unposted transactions: 1 payment not yet posted"):
        monthly(account, [water])


def test_a_pending_bill_is_an_unposted_transaction():
    from accounts.services.bills import bill_create

    account, water, _ = owing()
    bill_create(
        account=account,
        bill_date=dt.date(2026, 2, 1),
        due_date=dt.date(2026, 2, 22),
        segments={water: D("50.00")},
    )
    with pytest.raises(ArrangementError, match="1 pending bill"):
        monthly(account, [water])


def test_an_amount_above_the_chosen_services_balance_is_refused():
    account, water, sewer = owing("120.00", "60.00")
    with pytest.raises(ArrangementError, match=r"above the chosen services' balance \$60.00"):
        monthly(account, [sewer], amount="60.01")
    with pytest.raises(ArrangementError, match="above zero"):
        monthly(account, [sewer], amount="0.00")
    with pytest.raises(ArrangementError, match="at least one service"):
        monthly(account, [], amount="10.00")
    other, (elsewhere,) = account_with("WATER")
    with pytest.raises(ArrangementError, match="not one of this account's"):
        monthly(account, [elsewhere], amount="10.00")
    assert monthly(account, [sewer], amount="60.00").amount == D("60.00")


def test_past_due_and_notes_are_warnings_not_blockers():
    from accounts.models import Note

    account, *_ = owing()
    warnings = arrangement_warnings(account=account, on=TODAY)
    assert [(w.code, w.blocks) for w in warnings] == [("past_due", False)]
    assert "$180.00" in warnings[0].text
    Note.objects.create(
        account=account, subject="Lost job in January", text="...", show_in_message_center=True
    )
    Note.objects.create(account=account, subject="Internal only", text="...")
    warnings = arrangement_warnings(account=account, on=TODAY)
    assert [(w.code, w.text, w.blocks) for w in warnings][1:] == [
        ("note", "Note: Lost job in January", False)
    ]


def test_delete_cancels_with_the_reason_and_who(django_user_model):
    user = django_user_model.objects.create_user("casey")
    account, water, _ = owing()
    arrangement = monthly(account, [water])
    with pytest.raises(ArrangementError, match="reason"):
        arrangement_delete(arrangement=arrangement, user=user, reason=" ", today=TODAY)
    arrangement_delete(arrangement=arrangement, user=user, reason="set up by mistake", today=TODAY)
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.CANCELLED
    assert arrangement.ended_reason == "Deleted by casey: set up by mistake"
    assert arrangement.protects_until == TODAY
    assert {s for *_, s in _installments(arrangement)} == {"cancelled"}
    assert account_on_arrangement(account=account) is None
    change = ChangeRecord.objects.get(account=account, field="status")
    assert (change.old_value, change.new_value, change.user) == ("Active", "Cancelled", user)
    with pytest.raises(ArrangementError, match="only an active"):
        arrangement_delete(arrangement=arrangement, user=user, reason="again", today=TODAY)


# -- the nightly review -------------------------------------------------------------------


def _review(day):
    return batch_run(job_name="arrangement_review", business_date=day, force=True)


def _set_up():
    account, water, sewer = owing()
    arrangement = monthly(account, [water, sewer], amount="90.00", count=3)
    Arrangement.objects.filter(pk=arrangement.pk).update(
        created_at=dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    )
    return account, arrangement


def test_kept_arrangement_keeps_the_credit_rating():
    account, arrangement = _set_up()
    rating_before = account_credit_scores(account=account, as_of=dt.date(2026, 6, 30))
    pay(account, "30.00", day=dt.date(2026, 3, 30))
    _review(dt.date(2026, 4, 10))
    assert [s for *_, s in _installments(arrangement)] == ["kept", "pending", "pending"]
    pay(account, "60.00", day=dt.date(2026, 5, 3))
    _review(dt.date(2026, 5, 4))  # paid ahead: the last one is kept too

    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.KEPT
    assert arrangement.ended_on == dt.date(2026, 5, 4)
    assert _installments(arrangement) == [
        (dt.date(2026, 4, 1), D("30.00"), D("30.00"), "kept"),
        (dt.date(2026, 5, 1), D("30.00"), D("30.00"), "kept"),
        (dt.date(2026, 6, 1), D("30.00"), D("30.00"), "kept"),
    ]
    assert account_credit_scores(account=account, as_of=dt.date(2026, 6, 30)) == rating_before
    assert not CreditRatingEvent.objects.filter(account=account).exists()


def test_broken_arrangement_lowers_the_credit_rating_until_the_points_expire():
    policy = DelinquencyPolicy.objects.get()
    policy.broken_arrangement_grace_days = 5
    policy.broken_arrangement_points = -40
    policy.broken_arrangement_points_months = 6
    policy.save()
    account, arrangement = _set_up()
    pay(account, "30.00", day=dt.date(2026, 3, 28))  # the first payment, not the second
    before, _ = account_credit_scores(account=account, as_of=dt.date(2026, 5, 10))

    _review(dt.date(2026, 5, 5))  # the second is due 05/01: still inside the 5 days' grace
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.ACTIVE
    assert account_on_arrangement(account=account) == arrangement
    assert accounts_on_arrangement(account_ids=[account.pk]) == {account.pk}

    run = _review(dt.date(2026, 5, 6))
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.BROKEN
    assert arrangement.protects_until == dt.date(2026, 5, 6)
    assert arrangement.ended_reason == (
        "Payment 2 due 05/01/2026 not kept: $30.00 paid of $60.00 due"
    )
    assert [s for *_, s in _installments(arrangement)] == ["kept", "broken", "cancelled"]
    assert account_on_arrangement(account=account) is None  # its protection is gone
    assert accounts_on_arrangement(account_ids=[account.pk]) == set()
    assert (run.done, run.status) == (1, "complete")
    after, _ = account_credit_scores(account=account, as_of=dt.date(2026, 5, 10))
    assert after == before - 40
    event = CreditRatingEvent.objects.get(account=account)
    assert (event.effective_on, event.expires_on) == (dt.date(2026, 5, 6), dt.date(2026, 11, 6))
    assert arrangement.number in event.reason
    # The points fall off once they expire.
    assert account_credit_scores(account=account, as_of=dt.date(2026, 11, 6))[0] == after
    assert account_credit_scores(account=account, as_of=dt.date(2026, 11, 7))[0] == before


def test_the_review_run_again_changes_nothing():
    account, arrangement = _set_up()
    day = dt.date(2026, 4, 20)
    _review(day)
    snapshot = (_installments(arrangement), CreditRatingEvent.objects.count())
    assert CreditRatingEvent.objects.count() == 1
    _review(day)
    _review(day + dt.timedelta(days=1))
    assert (_installments(arrangement), CreditRatingEvent.objects.count()) == snapshot


def test_a_cancelled_payment_does_not_keep_an_installment():
    from payments.models import PaymentCancelReason
    from payments.services.cancel import payment_cancel

    account, arrangement = _set_up()
    payment = pay(account, "30.00", day=dt.date(2026, 3, 28))
    reason = PaymentCancelReason.objects.filter(is_nsf=False).first()
    payment_cancel(payment=payment, reason=reason, comment="keyed twice")
    _review(dt.date(2026, 4, 10))
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.BROKEN


def test_payments_before_the_set_up_day_do_not_count():
    account, water, sewer = owing()
    pay(account, "30.00", day=dt.date(2026, 2, 20))
    arrangement = monthly(account, [water, sewer], amount="90.00", count=3)
    Arrangement.objects.filter(pk=arrangement.pk).update(
        created_at=dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    )
    _review(dt.date(2026, 4, 10))
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.BROKEN
    assert ArrangementInstallment.objects.filter(arrangement=arrangement, status="broken").count()


def test_the_demo_helper_puts_an_active_arrangement_on_an_account():
    account, *_ = owing()
    arrangement = demo_arrangement_put(account=account, today=TODAY)
    assert arrangement.status == "active" and arrangement.amount == D("180.00")
    assert demo_arrangement_put(account=account, today=TODAY) is None


def test_the_job_runs_in_chunks_and_counts_kept_broken_and_running():
    day = dt.date(2026, 4, 10)
    made = []
    for paid in ("90.00", "0", "30.00"):  # kept, broken, still running
        account, arrangement = _set_up()
        if paid != "0":
            pay(account, paid, day=dt.date(2026, 3, 20))
        made.append(arrangement)

    run = batch_run(job_name="arrangement_review", business_date=day, force=True, chunk_size=1)

    assert (run.total, run.chunks_total, run.done, run.skipped) == (3, 3, 2, 1)
    assert run.lines == 3 + 1 + 1  # installments decided: 3 kept, 1 broken, 1 kept
    statuses = [Arrangement.objects.get(pk=a.pk).status for a in made]
    assert statuses == ["kept", "broken", "active"]
    assert CreditRatingEvent.objects.count() == 1
