"""Recurring items applied at bill completion (seed 004, Recurring Items tab)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.ledger_checks import ledger_breaches
from accounts.models import (
    Adjustment,
    AdjustmentType,
    FinancialTransaction,
    GLLine,
    RecurringApplication,
    RecurringItem,
    RecurringItemType,
)
from accounts.services.bills import bill_complete, bill_create, bills_complete
from accounts.services.recurring import (
    recurring_item_add,
    recurring_item_deactivate,
    recurring_item_reactivate,
)
from accounts.tests.factories import (
    AccountFactory,
    GLAccountFactory,
    SATypeFactory,
    ServiceAgreementFactory,
)

D = Decimal
JAN = dt.date(2026, 1, 1)


@pytest.fixture
def credit_type(db):
    return AdjustmentType.objects.create(
        code="RECUR", description="Recurring credit", offset_gl=GLAccountFactory(code="4950")
    )


@pytest.fixture
def senior(credit_type):
    return RecurringItemType.objects.create(
        code="SENIOR",
        description="Senior discount",
        kind=RecurringItemType.Kind.DISCOUNT,
        percent=D("10.00"),
        adjustment_type=credit_type,
    )


@pytest.fixture
def rebate(credit_type):
    return RecurringItemType.objects.create(
        code="REBATE",
        description="Low-flow toilet rebate",
        kind=RecurringItemType.Kind.CREDIT,
        amount=D("5.00"),
        adjustment_type=credit_type,
    )


@pytest.fixture
def two_sas(db):
    account = AccountFactory()
    water = ServiceAgreementFactory(account=account, sa_type=SATypeFactory(code="WATER"))
    sewer = ServiceAgreementFactory(account=account, sa_type=SATypeFactory(code="SEWER"))
    return account, water, sewer


def _add(**kwargs):
    kwargs.setdefault("effective_on", dt.date(2025, 12, 1))
    return recurring_item_add(**kwargs)


def _bill(account, segments, day=JAN):
    return bill_create(
        account=account, bill_date=day, due_date=day + dt.timedelta(days=21), segments=segments
    )


def _month(n: int) -> dt.date:
    return dt.date(2026, n, 1)


def _recurring_fts(bill):
    return list(FinancialTransaction.objects.filter(bill=bill, kind="adjustment").order_by("pk"))


def test_percent_and_fixed_items_post_exact_amounts_on_the_largest_segment(two_sas, senior, rebate):
    account, water, sewer = two_sas
    _add(account=account, user=None, level="account", item_type=senior)
    _add(account=account, user=None, level="account", item_type=rebate, times_to_apply=3)
    bill = _bill(account, {water: D("41.15"), sewer: D("30.10")})
    bill = bill_complete(bill=bill)
    fts = _recurring_fts(bill)
    # 10% of 71.25 = 7.125 -> 7.13 (half up); the $5.00 credit; both on water (larger).
    assert sorted(ft.current_amount for ft in fts) == [D("-7.13"), D("-5.00")]
    assert {ft.sa_id for ft in fts} == {water.pk}
    assert all(ft.arrears_date is None and ft.accounting_date == JAN for ft in fts)
    for ft in fts:
        lines = sorted((gl.gl_account.code, gl.amount) for gl in GLLine.objects.filter(ft=ft))
        assert lines == sorted([("1100", ft.current_amount), ("4950", -ft.current_amount)])
        assert ft.adjustment.adjustment_type.code == "RECUR"
    assert bill.total == D("71.25")  # the segments; the credits are FTs of their own
    account.refresh_from_db()
    water.refresh_from_db()
    assert account.balance == D("71.25") - D("12.13")
    assert water.balance == D("41.15") - D("12.13")
    assert RecurringApplication.objects.filter(bill=bill).count() == 2
    assert list(ledger_breaches()) == []


def test_a_charge_is_positive_and_has_a_due_date(two_sas, credit_type):
    account, water, _ = two_sas
    fee = RecurringItemType.objects.create(
        code="RENTAL",
        description="Meter rental",
        kind=RecurringItemType.Kind.CHARGE,
        amount=D("2.50"),
        adjustment_type=credit_type,
    )
    _add(account=account, user=None, level="account", item_type=fee)
    bill = bill_complete(bill=_bill(account, {water: D("20.00")}))
    (ft,) = _recurring_fts(bill)
    assert ft.current_amount == D("2.50") and ft.arrears_date == dt.date(2026, 1, 22)
    assert list(ledger_breaches()) == []


def test_times_to_apply_runs_out_and_the_item_deactivates(two_sas, rebate):
    account, water, _ = two_sas
    item = _add(account=account, user=None, level="account", item_type=rebate, times_to_apply=2)
    bills = [bill_complete(bill=_bill(account, {water: D("30.00")}, _month(n))) for n in (1, 2, 3)]
    assert [len(_recurring_fts(b)) for b in bills] == [1, 1, 0]
    item.refresh_from_db()
    assert (item.times_applied, item.is_active) == (2, False)
    assert item.deactivated_at is not None
    water.refresh_from_db()
    assert water.balance == D("80.00")


def test_a_count_running_out_inside_one_chunk_skips_the_newest_bills(two_sas, rebate):
    account, water, _ = two_sas
    item = _add(account=account, user=None, level="account", item_type=rebate, times_to_apply=2)
    bills = [_bill(account, {water: D("30.00")}, _month(n)) for n in (3, 1, 2)]
    assert bills_complete(bill_ids=[b.pk for b in bills]) == 3
    applied = RecurringApplication.objects.order_by("bill__bill_date")
    assert [a.bill.bill_date for a in applied] == [_month(1), _month(2)]
    item.refresh_from_db()
    assert (item.times_applied, item.is_active) == (2, False)


def test_while_active_keeps_going_until_deactivated(two_sas, rebate):
    account, water, _ = two_sas
    item = _add(account=account, user=None, level="account", item_type=rebate)
    assert item.times_to_apply is None and item.times_display == "While active"
    for n in range(1, 6):
        bill_complete(bill=_bill(account, {water: D("30.00")}, _month(n)))
    item.refresh_from_db()
    assert (item.times_applied, item.is_active) == (5, True)
    recurring_item_deactivate(item=item, user=None)
    bill = bill_complete(bill=_bill(account, {water: D("30.00")}, _month(6)))
    assert _recurring_fts(bill) == []


def test_not_yet_effective_is_not_applied(two_sas, rebate):
    account, water, _ = two_sas
    item = _add(
        account=account,
        user=None,
        level="account",
        item_type=rebate,
        effective_on=dt.date(2026, 2, 2),
    )
    early = bill_complete(bill=_bill(account, {water: D("30.00")}, _month(2)))
    assert _recurring_fts(early) == []
    late = bill_complete(bill=_bill(account, {water: D("30.00")}, dt.date(2026, 2, 2)))
    assert [ft.current_amount for ft in _recurring_fts(late)] == [D("-5.00")]
    item.refresh_from_db()
    assert item.times_applied == 1


def test_never_twice_on_one_bill(two_sas, rebate):
    account, water, _ = two_sas
    item = _add(account=account, user=None, level="account", item_type=rebate)
    bill = bill_complete(bill=_bill(account, {water: D("30.00")}))
    assert bills_complete(bill_ids=[bill.pk]) == 0  # a re-run posts nothing
    assert len(_recurring_fts(bill)) == 1
    application = RecurringApplication.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        RecurringApplication.objects.create(
            item=item,
            bill=bill,
            adjustment=Adjustment.objects.create(
                sa=water, adjustment_type=rebate.adjustment_type, amount=D("-1.00")
            ),
            amount=D("-1.00"),
        )
    assert application.amount == D("-5.00")


def test_customer_and_location_items_apply_to_the_accounts_bills(two_sas, rebate, senior):
    account, water, _ = two_sas
    _add(account=account, user=None, level="customer", item_type=rebate)
    _add(account=account, user=None, level="location", item_type=senior)
    other = AccountFactory(customer=account.customer)  # the customer's other account
    other_sa = ServiceAgreementFactory(account=other, sa_type=water.sa_type)
    stranger = ServiceAgreementFactory()
    bills = [
        _bill(account, {water: D("50.00")}),
        _bill(other, {other_sa: D("20.00")}),
        _bill(stranger.account, {stranger: D("20.00")}),
    ]
    bills_complete(bill_ids=[b.pk for b in bills])
    amounts = [sorted(ft.current_amount for ft in _recurring_fts(b)) for b in bills]
    assert amounts == [[D("-5.00"), D("-5.00")], [D("-5.00")], []]
    item = RecurringItem.objects.get(level="customer")
    assert item.customer_id == account.customer_id and item.times_applied == 2
    assert list(ledger_breaches()) == []


def _bulk_bills(n, rebate, senior, day):
    bills = []
    for _ in range(n):
        sa = ServiceAgreementFactory()
        _add(account=sa.account, user=None, level="account", item_type=rebate)
        _add(account=sa.account, user=None, level="customer", item_type=senior)
        bills.append(_bill(sa.account, {sa: D("40.00")}, day))
    return [b.pk for b in bills]


def test_bulk_completion_queries_do_not_grow_with_the_bills(rebate, senior):
    small = _bulk_bills(2, rebate, senior, JAN)
    large = _bulk_bills(30, rebate, senior, JAN)
    counts = []
    for ids in (small, large):
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            assert bills_complete(bill_ids=ids) == len(ids)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert FinancialTransaction.objects.filter(kind="adjustment").count() == 2 * 32
    assert RecurringItem.objects.filter(times_applied=1).count() == 64
    assert list(ledger_breaches()) == []


def test_reactivation_is_refused_by_the_service_and_the_database(two_sas, rebate):
    account, _, _ = two_sas
    item = _add(account=account, user=None, level="account", item_type=rebate)
    recurring_item_deactivate(item=item, user=None)
    with pytest.raises(ValidationError):
        recurring_item_deactivate(item=item, user=None)
    with pytest.raises(ValidationError, match="can't be reactivated"):
        recurring_item_reactivate(item=item, user=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecurringItem.objects.filter(pk=item.pk).update(is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():  # both columns: the trigger
        RecurringItem.objects.filter(pk=item.pk).update(is_active=True, deactivated_at=None)
    item.refresh_from_db()
    assert item.is_active is False


def test_an_item_type_is_an_amount_or_a_percent(credit_type):
    with pytest.raises(IntegrityError), transaction.atomic():
        RecurringItemType.objects.create(
            code="BOTH",
            description="x",
            amount=D("1.00"),
            percent=D("5.00"),
            adjustment_type=credit_type,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RecurringItemType.objects.create(code="NONE", description="x", adjustment_type=credit_type)


@pytest.mark.django_db
def test_the_demo_puts_two_items_on_one_showcase_account():
    from django.core.management import call_command

    from accounts.demo import showcase_accounts
    from cis.demo import DemoContext

    call_command("seed_demo", "--accounts", "30", "--seed", "3", "--as-of", "2026-11-25")
    rows = list(
        RecurringItem.objects.order_by("item_type__code").values_list(
            "item_type__code", "level", "times_to_apply", "effective_on", "is_active"
        )
    )
    assert rows == [
        ("REBATE", "account", 6, dt.date(2026, 10, 11), True),
        ("SENIOR", "customer", None, dt.date(2026, 10, 11), True),
    ]
    rebate = RecurringItem.objects.get(item_type__code="REBATE")
    assert (
        rebate.account.number
        == showcase_accounts(
            DemoContext(accounts=30, seed=3, as_of=dt.date(2026, 11, 25), log=print)
        )["grace"]
    )
