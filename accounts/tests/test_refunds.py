"""Refunds of credit balances (issue 13 item 2): request, approval by another person,
posting (GL 2300 Refunds payable), reject / cancel, and the check register."""

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.ledger_checks import ledger_breaches
from accounts.models import (
    AdjustmentType,
    FinancialTransaction,
    GLLine,
    Refund,
    SAType,
    ServiceAgreement,
    ToDoEntry,
)
from accounts.reference import reference_data_load
from accounts.services.adjustments import adjustment_create
from accounts.services.refunds import (
    RefundError,
    refund_approve,
    refund_cancel,
    refund_credit_available,
    refund_reject,
    refund_request,
    refunds_checks_pay,
)
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory
from cis.batch.runner import batch_run

D = Decimal


def _credit(sa, amount: str):
    adjustment_create(
        sa=sa, adjustment_type=AdjustmentType.objects.get(code="CREDIT"), amount=-D(amount)
    )
    sa.refresh_from_db()


@pytest.fixture
def credit_account(account):
    """The conftest's Jane Doe: WATER billed 100.00, then a 130.00 courtesy credit (-30.00)
    and an EXCESS SA holding 45.00 of overpayment: 75.00 of credit."""
    water = account.agreements.get(sa_type__code="WATER")
    _credit(water, "130.00")
    excess = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="EXCESS"))
    _credit(excess, "45.00")
    account.refresh_from_db()
    assert account.balance == D("-75.00")
    return account


def _balances(account):
    return {sa.sa_type.code: sa.balance for sa in account.agreements.select_related("sa_type")}


def _clean():
    assert list(ledger_breaches()) == []


def test_request_raises_an_approver_todo_and_posts_nothing(credit_account, csr):
    refund = refund_request(
        account=credit_account, amount=D("50.00"), method="check", reason="Moving", user=csr
    )
    assert refund.status == Refund.Status.REQUESTED
    assert refund.payee_name == "Jane Q. Doe"
    assert refund.payee_address_lines == ["12 Elm St", "Springfield, IL 62701"]
    todo = refund.todo
    assert todo.todo_type.code == "REFUNDAPPR"
    assert todo.todo_type.role == "Supervisor"
    assert todo.source == f"accounts.Refund:{refund.pk}"
    assert todo.status == ToDoEntry.Status.OPEN
    credit_account.refresh_from_db()
    assert credit_account.balance == D("-75.00")
    assert not FinancialTransaction.objects.filter(kind="refund").exists()
    # a second request can only claim what is left
    assert refund_credit_available(account=credit_account) == D("25.00")
    with pytest.raises(RefundError, match="more than the credit available, 25.00"):
        refund_request(
            account=credit_account, amount=D("25.01"), method="check", reason="x", user=csr
        )


def test_approval_posts_excess_first_then_other_credit_against_refunds_payable(
    credit_account, csr, supervisor
):
    refund = refund_request(
        account=credit_account, amount=D("60.00"), method="check", reason="Moving", user=csr
    )
    refund = refund_approve(refund=refund, user=supervisor)
    assert refund.status == Refund.Status.APPROVED
    assert refund.approved_by == supervisor
    # EXCESS gives its 45.00, WATER the other 15.00 of its 30.00
    assert _balances(credit_account) == {"WATER": D("-15.00"), "EXCESS": D("0.00")}
    credit_account.refresh_from_db()
    assert credit_account.balance == D("-15.00")
    fts = list(refund.fts.order_by("pk"))
    assert [(ft.sa.sa_type.code, ft.current_amount, ft.kind) for ft in fts] == [
        ("EXCESS", D("45.00"), "refund"),
        ("WATER", D("15.00"), "refund"),
    ]
    lines = GLLine.objects.filter(ft__in=fts).select_related("gl_account")
    assert sorted((gl.gl_account.code, gl.amount) for gl in lines) == [
        ("1100", D("15.00")),
        ("2200", D("45.00")),
        ("2300", D("-45.00")),
        ("2300", D("-15.00")),
    ]
    refund.todo.refresh_from_db()
    assert refund.todo.status == ToDoEntry.Status.COMPLETE
    _clean()


def test_refunds_payable_gl_lines(credit_account, csr, supervisor):
    refund = refund_request(
        account=credit_account, amount=D("60.00"), method="check", reason="Moving", user=csr
    )
    refund_approve(refund=refund, user=supervisor)
    totals = {}
    for gl in GLLine.objects.filter(ft__kind="refund").select_related("gl_account"):
        totals[gl.gl_account.code] = totals.get(gl.gl_account.code, D("0")) + gl.amount
    assert totals == {"2200": D("45.00"), "1100": D("15.00"), "2300": D("-60.00")}


def test_more_than_the_credit_is_refused(credit_account, csr):
    with pytest.raises(RefundError, match="more than the credit available, 75.00"):
        refund_request(
            account=credit_account, amount=D("75.01"), method="check", reason="x", user=csr
        )
    with pytest.raises(RefundError, match="more than zero"):
        refund_request(account=credit_account, amount=D("0"), method="check", reason="x")
    assert not Refund.objects.exists()


def test_an_account_that_owes_has_no_credit_to_refund(account, csr):
    # WATER owes 100.00: nothing to refund, never a debit made bigger
    assert refund_credit_available(account=account) == D("0.00")
    with pytest.raises(RefundError):
        refund_request(account=account, amount=D("1.00"), method="check", reason="x", user=csr)


def test_a_credit_on_one_sa_is_refunded_only_past_what_others_owe(account, csr):
    # WATER owes 100.00; EXCESS holds 130.00: the account's own credit is 30.00
    excess = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="EXCESS"))
    _credit(excess, "130.00")
    assert refund_credit_available(account=account) == D("30.00")
    with pytest.raises(RefundError, match="more than the credit available, 30.00"):
        refund_request(account=account, amount=D("30.01"), method="check", reason="x", user=csr)


def test_the_requester_cannot_approve_their_own_refund(credit_account, make_user):
    boss = make_user("Supervisor", "boss")
    refund = refund_request(
        account=credit_account, amount=D("10.00"), method="check", reason="x", user=boss
    )
    with pytest.raises(RefundError, match="can't approve it"):
        refund_approve(refund=refund, user=boss)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED
    # and the database refuses it too
    refund.approved_by = boss
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(approved_by=boss)


def test_a_csr_may_request_but_not_approve(credit_account, csr, make_user):
    other = make_user("CSR", "other-csr")
    refund = refund_request(
        account=credit_account, amount=D("10.00"), method="check", reason="x", user=csr
    )
    with pytest.raises(PermissionDenied):
        refund_approve(refund=refund, user=other)


def test_approval_finds_the_credit_again(credit_account, csr, supervisor):
    refund = refund_request(
        account=credit_account, amount=D("70.00"), method="check", reason="x", user=csr
    )
    # a new charge uses up credit before the approval
    water = credit_account.agreements.get(sa_type__code="WATER")
    adjustment_create(
        sa=water, adjustment_type=AdjustmentType.objects.get(code="MISC"), amount=D("20.00")
    )
    with pytest.raises(
        RefundError, match="the account holds 55.00 of credit, less than the refund of 70.00"
    ):
        refund_approve(refund=refund, user=supervisor)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED
    assert not FinancialTransaction.objects.filter(kind="refund").exists()
    _clean()


def test_reject_and_cancel(credit_account, csr, supervisor):
    first = refund_request(
        account=credit_account, amount=D("10.00"), method="check", reason="x", user=csr
    )
    refund_reject(refund=first, user=supervisor, reason="Balance under review")
    first.refresh_from_db()
    assert first.status == Refund.Status.REJECTED
    assert first.close_reason == "Balance under review"
    assert first.todo.status == ToDoEntry.Status.COMPLETE
    with pytest.raises(RefundError):
        refund_approve(refund=first, user=supervisor)
    # a requester cancels their own request
    second = refund_request(
        account=credit_account, amount=D("20.00"), method="check", reason="x", user=csr
    )
    refund_cancel(refund=second, user=csr, reason="Customer changed mind")
    second.refresh_from_db()
    assert second.status == Refund.Status.CANCELLED
    # an approved one cancelled by a supervisor: its FTs are reversed
    third = refund_request(
        account=credit_account, amount=D("50.00"), method="check", reason="x", user=csr
    )
    refund_approve(refund=third, user=supervisor)
    credit_account.refresh_from_db()
    assert credit_account.balance == D("-25.00")
    with pytest.raises(PermissionDenied):
        refund_cancel(refund=third, user=csr, reason="no")
    refund_cancel(refund=third, user=supervisor, reason="Check lost before mailing")
    credit_account.refresh_from_db()
    assert credit_account.balance == D("-75.00")
    assert _balances(credit_account) == {"WATER": D("-30.00"), "EXCESS": D("-45.00")}
    assert sorted(third.fts.values_list("kind", "current_amount")) == sorted(
        [
            ("refund", D("45.00")),
            ("refund", D("5.00")),
            ("refund_cancel", D("-45.00")),
            ("refund_cancel", D("-5.00")),
        ]
    )
    _clean()


def test_ach_numbers_are_encrypted_and_masked(credit_account, csr):
    refund = refund_request(
        account=credit_account,
        amount=D("5.00"),
        method="ach",
        reason="x",
        user=csr,
        routing_number="011000015",
        bank_account_number="123456789",
    )
    assert refund.bank_account_masked == "\u2022\u2022\u2022\u20226789"
    raw = Refund.objects.filter(pk=refund.pk).values_list("routing_number", "bank_account_number")[
        0
    ]
    assert "123456789" not in raw[1].token and "011000015" not in raw[0].token
    fresh = Refund.objects.get(pk=refund.pk)
    assert fresh.bank_account_number == "123456789"
    with pytest.raises(RefundError, match="routing number"):
        refund_request(
            account=credit_account,
            amount=D("5.00"),
            method="ach",
            reason="x",
            routing_number="011000016",
            bank_account_number="123456789",
        )


def test_check_register_pays_each_refund_once(
    credit_account, csr, supervisor, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.OPENCIS_CHECK_OUTBOX = tmp_path / "checks"
    a = refund_request(
        account=credit_account, amount=D("40.00"), method="check", reason="x", user=csr
    )
    b = refund_request(
        account=credit_account, amount=D("12.34"), method="check", reason="y", user=csr
    )
    pending = refund_request(
        account=credit_account, amount=D("1.00"), method="check", reason="z", user=csr
    )
    refund_approve(refund=a, user=supervisor)
    refund_approve(refund=b, user=supervisor)
    day = dt.date(2026, 3, 2)
    with django_capture_on_commit_callbacks(execute=True):
        register = refunds_checks_pay(refund_ids=[a.pk, b.pk, pending.pk], business_date=day)
    assert register.total == D("52.34")
    rows = list(csv.DictReader(register.path.open()))
    assert register.path.name == "CHECKS_20260302_100001.csv"
    assert [
        (r["check_number"], r["payee"], r["address_line1"], r["amount"], r["account"]) for r in rows
    ] == [
        ("100001", "Jane Q. Doe", "12 Elm St", "40.00", "1000000042"),
        ("100002", "Jane Q. Doe", "12 Elm St", "12.34", "1000000042"),
    ]
    a.refresh_from_db()
    assert (a.status, a.check_number, a.paid_on) == (Refund.Status.PAID, 100001, day)
    pending.refresh_from_db()
    assert pending.status == Refund.Status.REQUESTED
    # a re-run pays nothing twice
    with django_capture_on_commit_callbacks(execute=True):
        again = refunds_checks_pay(refund_ids=[a.pk, b.pk], business_date=day)
    assert again.path is None and again.refunds == []
    assert sorted(p.name for p in (tmp_path / "checks").iterdir()) == ["CHECKS_20260302_100001.csv"]
    _clean()


@pytest.mark.django_db(transaction=True)
def test_the_check_register_job_runs_once(settings, tmp_path, make_user):
    settings.OPENCIS_CHECK_OUTBOX = tmp_path / "checks"
    reference_data_load()
    csr, boss = make_user("CSR"), make_user("Supervisor")
    account = AccountFactory()
    excess = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="EXCESS"))
    _credit(excess, "80.00")
    refund = refund_request(
        account=account, amount=D("80.00"), method="check", reason="x", user=csr
    )
    refund_approve(refund=refund, user=boss)
    day = dt.date(2026, 3, 3)
    first = batch_run(job_name="refund_check_register", business_date=day)
    second = batch_run(job_name="refund_check_register", business_date=day, force=True)
    # the re-run (same run, forced) finds nothing left to pay
    assert (first.done, first.total, second.total) == (1, 1, 0)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    files = list((tmp_path / "checks").glob("*.csv"))
    assert len(files) == 1
    assert "80.00" in files[0].read_text()
    _clean()


# Property: a refund never takes an SA past zero the wrong way ---------------------

ops = st.lists(
    st.tuples(
        st.sampled_from(["charge", "credit", "request", "approve", "cancel"]),
        st.integers(0, 2),
        st.decimals(min_value=D("0.01"), max_value=D("300"), places=2),
    ),
    max_size=14,
)


class RefundPropertyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        from django.contrib.auth.models import Group, User

        reference_data_load()
        cls.csr = User.objects.create_user("p-csr")
        cls.csr.groups.add(Group.objects.get(name="CSR"))
        cls.boss = User.objects.create_user("p-boss")
        cls.boss.groups.add(Group.objects.get(name="Supervisor"))

    @hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=ops)
    def test_refunds_never_turn_a_credit_into_a_debit(self, steps):
        from django.contrib.auth.models import User

        csr, boss = User.objects.get(pk=self.csr.pk), User.objects.get(pk=self.boss.pk)
        account = AccountFactory()
        sas = [
            ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code=code))
            for code in ("WATER", "SEWER", "EXCESS")
        ]
        charge = AdjustmentType.objects.get(code="MISC")
        credit = AdjustmentType.objects.get(code="CREDIT")
        for op, index, amount in steps:
            sa = sas[index]
            if op == "charge":
                adjustment_create(sa=sa, adjustment_type=charge, amount=amount)
            elif op == "credit":
                adjustment_create(sa=sa, adjustment_type=credit, amount=-amount)
            elif op == "request":
                available = refund_credit_available(account=account)
                if amount > available:
                    with pytest.raises(RefundError):
                        refund_request(
                            account=account, amount=amount, method="check", reason="p", user=csr
                        )
                else:
                    refund_request(
                        account=account, amount=amount, method="check", reason="p", user=csr
                    )
            else:
                refund = account.refunds.filter(status=Refund.Status.REQUESTED).first()
                if refund is None:
                    continue
                before = {s.pk: s.balance for s in ServiceAgreement.objects.filter(account=account)}
                if op == "cancel":
                    refund_cancel(refund=refund, user=csr, reason="p")
                    continue
                try:
                    refund_approve(refund=refund, user=boss)
                except RefundError:
                    continue
                for ft in refund.fts.all():
                    # each refund FT only took credit that was there
                    assert before[ft.sa_id] < 0
                    assert before[ft.sa_id] + ft.current_amount <= 0
                # and the account still holds credit or nothing: never owes by a refund
                account.refresh_from_db()
                assert account.balance <= 0
        for sa in ServiceAgreement.objects.filter(account=account):
            refunded = sum((ft.current_amount for ft in sa.fts.filter(kind="refund")), D("0"))
            assert refunded >= 0
        assert list(ledger_breaches()) == []
