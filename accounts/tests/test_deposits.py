"""Deposits (issue 13 item 3): billed on the deposit SA, held once paid, credited with
simple interest by the `deposit_interest` job, applied to the final bill and the rest left
to refund."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from accounts.ledger_checks import ledger_breaches
from accounts.models import (
    Account,
    DepositApplication,
    DepositInterest,
    DepositInterestRate,
    FinancialTransaction,
    GLLine,
    SAType,
    ServiceAgreement,
)
from accounts.selectors import deposits_summary
from accounts.services.bills import bill_complete, bill_create
from accounts.services.deposits import deposit_apply_final, deposit_bill, interest_compute
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory
from cis.batch.runner import batch_run

D = Decimal
Kind = FinancialTransaction.Kind


@pytest.fixture
def account(reference_data):
    from payments.reference import reference_data_load

    reference_data_load()
    acct = AccountFactory(number="3000000001")
    for code in ("WATER", "SEWER"):
        ServiceAgreementFactory(account=acct, sa_type=SAType.objects.get(code=code))
    return acct


def sa_of(account, code) -> ServiceAgreement:
    return account.agreements.get(sa_type__code=code)


def pay(sa: ServiceAgreement, amount: str, on: dt.date) -> None:
    """A real cash payment (payments' own service: a test may reach up the import
    direction); the deposit SA is paid first (priority 10)."""
    from payments.tests.factories import pay as payment_post

    payment_post(sa.account, amount, day=on)


def gl_total(code: str, account=None) -> Decimal:
    lines = GLLine.objects.filter(gl_account__code=code)
    if account is not None:
        lines = lines.filter(ft__account=account)
    return lines.aggregate(s=Sum("amount"))["s"] or D("0.00")


def fts(account, kind):
    return list(
        FinancialTransaction.objects.filter(account=account, kind=kind)
        .order_by("pk")
        .values_list("sa__sa_type__code", "current_amount")
    )


def assert_ledger_clean():
    assert list(ledger_breaches()) == []


def held_deposit(account, amount="200.00") -> ServiceAgreement:
    deposit_bill(account=account, amount=D(amount), billed_on=dt.date(2026, 1, 5))
    sa = sa_of(account, "DEPOSIT")
    pay(sa, amount, dt.date(2026, 1, 10))
    return sa


def final_bill(account, segments: dict[str, str], on=dt.date(2026, 5, 1)):
    account.agreements.exclude(sa_type__is_deposit=True).update(
        status=ServiceAgreement.Status.STOPPED, end_date=on
    )
    bill = bill_create(
        account=account,
        bill_date=on,
        due_date=on + dt.timedelta(days=21),
        segments={sa_of(account, code): D(amount) for code, amount in segments.items()},
    )
    return bill_complete(bill=bill)


def test_billing_a_deposit_creates_the_deposit_sa_and_books_it_as_a_liability(account):
    assert not account.agreements.filter(sa_type__is_deposit=True).exists()
    adjustment = deposit_bill(account=account, amount=D("200.00"), billed_on=dt.date(2026, 1, 5))
    sa = sa_of(account, "DEPOSIT")
    assert adjustment.sa == sa
    assert sorted(GLLine.objects.filter(ft__sa=sa).values_list("gl_account__code", "amount")) == [
        ("1150", D("200.00")),
        ("2100", D("-200.00")),
    ]
    s = deposits_summary(account_ids=[account.pk])[account.pk]
    assert (s.billed, s.owing, s.paid, s.held, s.status) == (
        D("200.00"),
        D("200.00"),
        D("0.00"),
        D("0.00"),
        "Billed",
    )
    # a second deposit charge goes on the same SA
    deposit_bill(account=account, amount=D("50.00"), billed_on=dt.date(2026, 1, 6))
    assert account.agreements.filter(sa_type__is_deposit=True).count() == 1
    assert_ledger_clean()


def test_a_deposit_is_held_as_far_as_it_is_paid(account):
    deposit_bill(account=account, amount=D("200.00"), billed_on=dt.date(2026, 1, 5))
    sa = sa_of(account, "DEPOSIT")
    pay(sa, "150.00", dt.date(2026, 1, 10))
    s = deposits_summary(account_ids=[account.pk])[account.pk]
    assert (s.paid, s.held, s.owing) == (D("150.00"), D("150.00"), D("50.00"))
    pay(sa, "50.00", dt.date(2026, 1, 12))
    s = deposits_summary(account_ids=[account.pk])[account.pk]
    assert (s.paid, s.held, s.owing, s.status) == (D("200.00"), D("200.00"), D("0.00"), "Held")
    assert (s.billed_on, s.paid_on) == (dt.date(2026, 1, 5), dt.date(2026, 1, 10))
    account.refresh_from_db()
    assert account.balance == D("0.00")
    assert gl_total("2100", account) == D("-200.00")
    assert_ledger_clean()


def test_interest_is_simple_to_the_cent_and_booked_once_per_month(account):
    DepositInterestRate.objects.create(effective_on=dt.date(2026, 1, 1), annual_rate=D("4.000"))
    sa = held_deposit(account)
    # run on March 3: February, 28 days: 200.00 x 4% x 28 / 365 = 0.6137 -> 0.61
    run = batch_run(job_name="deposit_interest", business_date=dt.date(2026, 3, 3))
    assert run.status == "complete"
    assert fts(account, Kind.DEPOSIT_INTEREST) == [
        ("DEPOSIT", D("-0.61")),
        ("DEPOSIT", D("0.61")),
    ]
    row = DepositInterest.objects.get(sa=sa)
    assert (row.period_start, row.period_end, row.days, row.principal, row.amount) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
        28,
        D("200.00"),
        D("0.61"),
    )
    # the interest is held, not a credit on the customer's balance
    sa.refresh_from_db()
    account.refresh_from_db()
    assert (sa.balance, account.balance) == (D("0.00"), D("0.00"))
    assert gl_total("6200") == D("0.61")
    assert gl_total("2100", account) == D("-200.61")
    s = deposits_summary(account_ids=[account.pk])[account.pk]
    assert (s.held, s.interest) == (D("200.61"), D("0.61"))

    # a forced re-run of the same day books nothing more
    batch_run(job_name="deposit_interest", business_date=dt.date(2026, 3, 3), force=True)
    assert len(fts(account, Kind.DEPOSIT_INTEREST)) == 2
    assert DepositInterest.objects.filter(sa=sa).count() == 1

    # April 2 books March on the principal only (simple interest): 200 x 4% x 31/365
    # = 0.6795 -> 0.68 (half up)
    batch_run(job_name="deposit_interest", business_date=dt.date(2026, 4, 2))
    assert DepositInterest.objects.get(sa=sa, period_end=dt.date(2026, 3, 31)).amount == D("0.68")
    s = deposits_summary(account_ids=[account.pk])[account.pk]
    assert (s.held, s.interest) == (D("201.29"), D("1.29"))
    assert_ledger_clean()


def test_interest_follows_the_rate_in_effect_and_skips_a_deposit_paid_mid_month(account):
    DepositInterestRate.objects.create(effective_on=dt.date(2026, 1, 1), annual_rate=D("4.000"))
    DepositInterestRate.objects.create(effective_on=dt.date(2026, 2, 15), annual_rate=D("6.000"))
    held_deposit(account)
    late = AccountFactory(number="3000000002")
    deposit_bill(account=late, amount=D("100.00"), billed_on=dt.date(2026, 2, 3))
    pay(sa_of(late, "DEPOSIT"), "100.00", dt.date(2026, 2, 10))
    batch_run(job_name="deposit_interest", business_date=dt.date(2026, 3, 1))
    # 200 x 6% x 28/365 = 0.9205 -> 0.92; the late deposit was not held on February 1
    assert fts(account, Kind.DEPOSIT_INTEREST)[1] == ("DEPOSIT", D("0.92"))
    assert fts(late, Kind.DEPOSIT_INTEREST) == []
    assert interest_compute(principal=D("1000.00"), annual_rate=D("3.650"), days=30) == D("3.00")


def test_final_bill_smaller_deposit_pays_the_debt_in_priority_order(
    account, django_capture_on_commit_callbacks
):
    held_deposit(account, "100.00")
    # bill completion announces itself after commit; the final bill takes the deposit
    with django_capture_on_commit_callbacks(execute=True):
        bill = final_bill(account, {"WATER": "80.00", "SEWER": "50.00"})
    # WATER (priority 20) before SEWER (30)
    assert fts(account, Kind.DEPOSIT_APPLY) == [("WATER", D("-80.00")), ("SEWER", D("-20.00"))]
    assert fts(account, Kind.DEPOSIT_RELEASE) == []
    application = DepositApplication.objects.get(bill=bill)
    assert (application.held, application.applied, application.refund_due) == (
        D("100.00"),
        D("100.00"),
        D("0.00"),
    )
    account.refresh_from_db()
    assert account.balance == D("30.00")
    assert (sa_of(account, "WATER").balance, sa_of(account, "SEWER").balance) == (
        D("0.00"),
        D("30.00"),
    )
    # the applied FTs move the debt off AR 1100 against the deposit liability 2100
    apply_lines = GLLine.objects.filter(ft__kind=Kind.DEPOSIT_APPLY)
    assert sorted(apply_lines.values_list("gl_account__code", "amount")) == [
        ("1100", D("-80.00")),
        ("1100", D("-20.00")),
        ("2100", D("20.00")),
        ("2100", D("80.00")),
    ]
    assert gl_total("2100", account) == D("0.00")
    s = deposits_summary(account_ids=[account.pk])[account.pk]
    assert (s.held, s.applied, s.refund_due) == (D("0.00"), D("100.00"), D("0.00"))
    assert_ledger_clean()


def test_final_bill_larger_deposit_leaves_the_rest_as_a_refund_due(account):
    DepositInterestRate.objects.create(effective_on=dt.date(2026, 1, 1), annual_rate=D("4.000"))
    deposit = held_deposit(account, "200.00")
    batch_run(job_name="deposit_interest", business_date=dt.date(2026, 3, 3))  # 0.61
    bill = final_bill(account, {"WATER": "45.00", "SEWER": "0.00"})
    result = deposit_apply_final(bill=bill)
    assert result.held == D("200.61")
    assert result.applied == {sa_of(account, "WATER").pk: D("45.00")}
    assert result.refund_due == D("155.61")
    assert fts(account, Kind.DEPOSIT_APPLY) == [("WATER", D("-45.00"))]
    assert fts(account, Kind.DEPOSIT_RELEASE) == [("DEPOSIT", D("-155.61"))]
    deposit.refresh_from_db()
    account.refresh_from_db()
    # the rest is the customer's credit, on the deposit SA, waiting for the refund
    assert (deposit.balance, account.balance) == (D("-155.61"), D("-155.61"))
    assert gl_total("2100", account) == D("0.00")
    assert gl_total("1150", account) == D("-155.61")
    s = deposits_summary(account_ids=[account.pk])[account.pk]
    assert (s.held, s.refund_due, s.status) == (D("0.00"), D("155.61"), "Refund due")
    # once per bill
    again = deposit_apply_final(bill=bill)
    assert (again.held, again.refund_due, again.application) == (D("0"), D("0"), None)
    assert len(fts(account, Kind.DEPOSIT_RELEASE)) == 1
    # and no more interest on a deposit applied
    batch_run(job_name="deposit_interest", business_date=dt.date(2026, 6, 2))
    assert len(fts(account, Kind.DEPOSIT_INTEREST)) == 2
    assert_ledger_clean()


def test_the_rest_of_a_deposit_is_refunded_by_check_once_a_supervisor_approves(account, make_user):
    """Seed 004 / issue 13 item 3: "refund of the rest" — the final bill's application asks
    for a check refund of what is left (a REFUNDAPPR To Do), and approving it clears the
    deposit SA's credit against Refunds payable."""
    from accounts.models import Refund, ToDoEntry
    from accounts.services.refunds import refund_approve

    held_deposit(account, "120.00")
    result = deposit_apply_final(bill=final_bill(account, {"WATER": "45.00", "SEWER": "0.00"}))
    refund = result.refund
    assert (refund.amount, refund.method, refund.source, refund.status) == (
        D("75.00"),
        Refund.Method.CHECK,
        Refund.Source.DEPOSIT,
        Refund.Status.REQUESTED,
    )
    todo = ToDoEntry.objects.get(pk=refund.todo_id)
    assert (todo.todo_type.code, todo.status) == ("REFUNDAPPR", ToDoEntry.Status.OPEN)
    refund_approve(refund=refund, user=make_user("Supervisor"))
    account.refresh_from_db()
    assert (sa_of(account, "DEPOSIT").balance, account.balance) == (D("0.00"), D("0.00"))
    assert gl_total("2300", account) == D("-75.00")
    assert deposits_summary(account_ids=[account.pk])[account.pk].refund_due == D("0.00")
    # a second application of the same bill asks for nothing more
    assert deposit_apply_final(bill=result.bill).refund is None
    assert Refund.objects.filter(account=account).count() == 1
    assert_ledger_clean()


def test_an_unpaid_part_of_the_deposit_is_cleared_not_collected_on_the_final_bill(account):
    deposit_bill(account=account, amount=D("200.00"), billed_on=dt.date(2026, 1, 5))
    pay(sa_of(account, "DEPOSIT"), "120.00", dt.date(2026, 1, 10))
    bill = final_bill(account, {"WATER": "100.00"})
    result = deposit_apply_final(bill=bill)
    assert (result.held, result.refund_due) == (D("120.00"), D("20.00"))
    # 80.00 owed on the deposit is released with the 20.00 rest
    assert fts(account, Kind.DEPOSIT_RELEASE) == [("DEPOSIT", D("-100.00"))]
    assert sa_of(account, "DEPOSIT").balance == D("-20.00")
    assert gl_total("2100", account) == D("0.00")
    assert_ledger_clean()


def test_a_bill_while_service_is_active_is_not_final(account, django_capture_on_commit_callbacks):
    held_deposit(account, "100.00")
    bill = bill_create(
        account=account,
        bill_date=dt.date(2026, 5, 1),
        due_date=dt.date(2026, 5, 22),
        segments={sa_of(account, "WATER"): D("80.00")},
    )
    with django_capture_on_commit_callbacks(execute=True):
        bill_complete(bill=bill)
    assert fts(account, Kind.DEPOSIT_APPLY) == []
    assert not DepositApplication.objects.exists()
    assert deposits_summary(account_ids=[account.pk])[account.pk].held == D("100.00")


def test_panel_location_tab_and_message_center_show_the_deposit(client, csr, account):
    DepositInterestRate.objects.create(effective_on=dt.date(2026, 1, 1), annual_rate=D("4.000"))
    held_deposit(account, "200.00")
    batch_run(job_name="deposit_interest", business_date=dt.date(2026, 3, 3))
    neighbour = AccountFactory(number="3000000003", location=account.location)
    deposit_bill(account=neighbour, amount=D("75.00"), billed_on=dt.date(2026, 2, 1))
    client.force_login(csr)
    response = client.get(reverse("acp:panel", args=[account.number]))
    rows = dict(response.context["mc"].rows)
    assert rows["Deposits holding"] == "$200.61"
    assert "Deposit refund due" not in rows
    html = client.get(
        reverse("acp:tab", args=[account.number, "location"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    grid = html[html.index('id="deposits-grid"') :]
    grid = grid[: grid.index("</table>")]
    assert "3000000001" in grid and "3000000003" in grid  # the location's other resident
    assert "01/05/2026" in grid and "01/10/2026" in grid
    assert "200.61" in grid and "0.61" in grid
    assert "75.00" in grid  # billed, owing


def test_message_center_shows_the_refund_due_after_the_final_bill(client, csr, account):
    held_deposit(account, "200.00")
    deposit_apply_final(bill=final_bill(account, {"WATER": "45.00"}))
    Account.objects.filter(pk=account.pk).update(activity_status=Account.ActivityStatus.FINAL)
    client.force_login(csr)
    rows = dict(client.get(reverse("acp:panel", args=[account.number])).context["mc"].rows)
    assert rows["Deposits holding"] == "$0.00"
    assert rows["Deposit refund due"] == "$155.00"


def test_the_sweep_job_applies_a_final_bill_the_receiver_missed(account):
    held_deposit(account, "100.00")
    final_bill(account, {"WATER": "60.00"})  # no on-commit delivery: the receiver never ran
    assert fts(account, Kind.DEPOSIT_APPLY) == []
    run = batch_run(job_name="deposit_final_bills", business_date=dt.date(2026, 5, 2))
    assert (run.status, run.done, run.money) == ("complete", 1, D("40.00"))
    assert fts(account, Kind.DEPOSIT_APPLY) == [("WATER", D("-60.00"))]
    assert fts(account, Kind.DEPOSIT_RELEASE) == [("DEPOSIT", D("-40.00"))]
    batch_run(job_name="deposit_final_bills", business_date=dt.date(2026, 5, 2), force=True)
    assert len(fts(account, Kind.DEPOSIT_RELEASE)) == 1
    assert DepositApplication.objects.filter(account=account).count() == 1
    assert_ledger_clean()


def test_bill_deposit_on_the_location_tab(client, make_user, account):
    supervisor = make_user("Supervisor")
    client.force_login(supervisor)
    url = reverse("acp:deposits", args=[account.number])
    form = client.get(url + "?edit=new", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="amount"' in form
    response = client.post(
        url, {"amount": "125.00", "due_date": "2026-02-01", "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "acp-changed"
    s = deposits_summary(account_ids=[account.pk])[account.pk]
    assert (s.billed, s.owing, s.status) == (D("125.00"), D("125.00"), "Billed")
    ft = FinancialTransaction.objects.get(account=account, sa__sa_type__is_deposit=True)
    assert (ft.current_amount, ft.arrears_date) == (D("125.00"), dt.date(2026, 2, 1))
    assert "$125.00" in response.content.decode()
    bad = client.post(url, {"amount": "0"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    assert_ledger_clean()


def test_a_csr_cannot_bill_a_deposit(client, make_user, account):
    """Billing a deposit is an adjustment: a Supervisor's (cis/roles.py)."""
    viewer = make_user("CSR")
    client.force_login(viewer)
    url = reverse("acp:deposits", args=[account.number])
    assert client.post(url, {"amount": "50.00"}, HTTP_HX_REQUEST="true").status_code == 403
    assert not FinancialTransaction.objects.filter(account=account).exists()


def test_the_final_bills_statement_shows_the_deposit_as_an_adjustment(account):
    from accounts.statements import statement_data

    held_deposit(account, "100.00")
    april = bill_create(
        account=account,
        bill_date=dt.date(2026, 4, 1),
        due_date=dt.date(2026, 4, 22),
        segments={sa_of(account, "WATER"): D("10.00")},
    )
    bill_complete(bill=april)
    bill = final_bill(account, {"WATER": "60.00", "SEWER": "25.00"})
    deposit_apply_final(bill=bill)
    s = statement_data(bill=bill)
    # the deposit FTs are the bill's date, not its charges: charges stay the segments
    assert (s.previous_balance, s.charges) == (D("10.00"), D("85.00"))
    assert s.adjustments == D("-100.00")  # -70 WATER, -25 SEWER, -5 released for refund
    assert s.amount_due == D("-5.00")


def test_a_final_bill_with_nothing_held_is_recorded_once_and_left_alone(account):
    ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="DEPOSIT"))
    bill = final_bill(account, {"WATER": "60.00"})
    run = batch_run(job_name="deposit_final_bills", business_date=dt.date(2026, 5, 2))
    assert run.done == 1
    application = DepositApplication.objects.get(bill=bill)
    assert (application.held, application.applied, application.refund_due) == (0, 0, 0)
    assert fts(account, Kind.DEPOSIT_APPLY) == fts(account, Kind.DEPOSIT_RELEASE) == []
    account.refresh_from_db()
    assert account.balance == D("60.00")
    again = batch_run(job_name="deposit_final_bills", business_date=dt.date(2026, 5, 3))
    assert again.done == 0


def test_the_deposit_jobs_run_nightly_after_bill_completion(db):
    import json

    from django_celery_beat.models import PeriodicTask

    jobs = json.loads(PeriodicTask.objects.get(name="OpenCIS nightly batch").kwargs)["jobs"]
    at = jobs.index("complete_bills")
    assert jobs[at + 1 : at + 3] == ["deposit_final_bills", "deposit_interest"]
    assert jobs.index("deposit_final_bills") < jobs.index("autopay_bill_sweep")
