"""Deferred charges (seed 004, Customer tab > Deferred Charges): computed and charged when a
payment freezes, on the online and the bulk path, once per payment; reversed by a payment
cancel; shown on the receipt. Exact amounts throughout.

The account owes 47.30 (water 30.00, sewer 17.30) unless a test says otherwise."""

import datetime as dt
import subprocess
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.ledger_checks import ledger_breaches
from accounts.models import FinancialTransaction, GLAccount, GLLine, SAType
from payments.models import (
    DeferredCharge,
    DeferredChargeEnrollment,
    DeferredChargeServiceOrder,
    DeferredChargeType,
    Payment,
)
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.services.cancel import payment_cancel, tender_cancel
from payments.services.deferred import (
    charge_amount,
    customer_deferred_items,
    deferred_charges_on_freeze,
    deferred_participation_set,
)
from payments.services.receipts import receipt_print
from payments.tests.factories import account_with, bill, pay, reason, source, tender_type

pytestmark = pytest.mark.usefixtures("pay_ref")
DAY = dt.date(2026, 1, 15)
T = DeferredChargeType


def item(**fields) -> DeferredChargeType:
    values = {
        "code": "ROUND",
        "description": "Round-up donation",
        "signup_type": T.Signup.OPT_OUT,
        "trigger": T.Trigger.OVERPAYMENT,
        "gl_account": GLAccount.objects.get(code="2400"),
        **fields,
    }
    return DeferredChargeType.objects.create(**values)


@pytest.fixture
def owed():
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: "30.00", sewer: "17.30"})
    return account, water, sewer


def balances(account, *sas):
    account.refresh_from_db()
    for sa in sas:
        sa.refresh_from_db()
    return [account.balance, *(sa.balance for sa in sas)]


def donations_gl() -> D:
    total = GLLine.objects.filter(gl_account__code="2400").aggregate(s=Sum("amount"))["s"]
    return total or D("0.00")


def clean() -> None:
    assert list(ledger_breaches()) == []


# --- the calculation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "basis", "expected"),
    [
        ({"fixed_amount": D("1.00")}, "47.30", "1.00"),
        ({"percentage": D("2")}, "47.30", "0.95"),  # 0.946 rounds half up
        ({"round_up_multiple": D("1.00")}, "47.30", "0.70"),
        ({"round_up_multiple": D("5.00")}, "42.00", "3.00"),  # the seed's example
        ({"round_up_multiple": D("10.00")}, "42.00", "8.00"),
        ({"round_up_multiple": D("5.00")}, "45.00", "0.00"),  # a multiple already
        ({"round_up_multiple": D("1.00")}, "-5.00", "0.00"),  # nothing owed
        ({"fixed_amount": D("1.00"), "round_up_multiple": D("1.00")}, "47.30", "1.00"),
        (
            {"fixed_amount": D("1.00"), "round_up_multiple": D("1.00"), "calculation": "min"},
            "47.30",
            "0.70",
        ),
        (
            {"fixed_amount": D("1.00"), "round_up_multiple": D("1.00"), "calculation": "sum"},
            "47.30",
            "1.70",
        ),
        (
            {
                "fixed_amount": D("1.00"),
                "round_up_multiple": D("1.00"),
                "calculation": "sum",
                "never_exceed": D("1.50"),
            },
            "47.30",
            "1.50",
        ),
    ],
)
def test_amount_methods_combine_and_cap(fields, basis, expected):
    charge_type = DeferredChargeType(**fields)
    assert charge_amount(charge_type=charge_type, basis=D(basis)) == D(expected)


# --- overpayment trigger -----------------------------------------------------------------


def test_round_up_takes_part_of_the_overpayment(owed):
    """47.30 owed, 50.00 paid: 2.70 over; rounding 47.30 up to 48.00 donates 0.70 of it,
    2.00 stays as credit. The donation lands on water (the payoff order's first SA), which
    held the overpayment, so no credit moves."""
    account, water, sewer = owed
    item(round_up_multiple=D("1.00"))
    payment = pay(account, "50.00")
    charge = DeferredCharge.objects.get(payment=payment)
    assert (charge.amount, charge.funded, charge.basis) == (D("0.70"), D("0.70"), D("47.30"))
    assert charge.funding_from_ft_id is None
    assert charge.charge_ft.sa_id == water.pk
    assert charge.charge_ft.kind == FinancialTransaction.Kind.ADJUSTMENT
    assert balances(account, water, sewer) == [D("-2.00"), D("-2.00"), D("0.00")]
    assert donations_gl() == D("-0.70")
    clean()


def test_overpayment_item_never_exceeds_the_overpayment(owed):
    """Rounding to 5.00 wants 2.70 but the payment left only 0.70 over: 0.70, balance 0."""
    account, water, sewer = owed
    item(round_up_multiple=D("5.00"))
    payment = pay(account, "48.00")
    assert DeferredCharge.objects.get(payment=payment).amount == D("0.70")
    assert balances(account, water, sewer) == [D("0.00"), D("0.00"), D("0.00")]
    clean()


def test_overpayment_item_without_overpayment_charges_nothing(owed):
    account, water, sewer = owed
    item(round_up_multiple=D("1.00"))
    pay(account, "47.30")
    pay(account, "10.00")  # pays nothing owed: all over, but the statement was 0.00
    assert not DeferredCharge.objects.exists()
    assert balances(account, water, sewer) == [D("-10.00"), D("-10.00"), D("0.00")]
    assert donations_gl() == D("0.00")
    clean()


def test_service_apply_order_moves_the_funded_part_to_the_charged_sa(owed):
    """The item's apply order names sewer: the charge lands there and 0.70 of the credit
    the overpayment left on water moves to sewer (two FTs through the cash GL)."""
    account, water, sewer = owed
    charge_type = item(round_up_multiple=D("1.00"), use_company_payoff_order=False)
    DeferredChargeServiceOrder.objects.create(
        charge_type=charge_type, sa_type=SAType.objects.get(code="SEWER"), position=1
    )
    payment = pay(account, "50.00")
    charge = DeferredCharge.objects.get(payment=payment)
    assert charge.charge_ft.sa_id == sewer.pk
    assert (charge.funding_from_ft.sa_id, charge.funding_from_ft.current_amount) == (
        water.pk,
        D("0.70"),
    )
    assert (charge.funding_to_ft.sa_id, charge.funding_to_ft.current_amount) == (
        sewer.pk,
        D("-0.70"),
    )
    assert balances(account, water, sewer) == [D("-2.00"), D("-2.00"), D("0.00")]
    assert donations_gl() == D("-0.70")
    clean()


def test_no_sa_of_the_apply_order_no_charge(owed):
    account, _, _ = owed
    charge_type = item(round_up_multiple=D("1.00"), use_company_payoff_order=False)
    DeferredChargeServiceOrder.objects.create(
        charge_type=charge_type, sa_type=SAType.objects.get(code="ELEC")
    )
    pay(account, "50.00")
    assert not DeferredCharge.objects.exists()
    clean()


# --- payment trigger ---------------------------------------------------------------------


def test_payment_item_is_charged_even_without_overpayment(owed):
    """seed 004: a payment-triggered charge can raise the balance. 47.30 paid in full,
    1.00 fixed: the account owes 1.00 after."""
    account, water, sewer = owed
    item(trigger=T.Trigger.PAYMENT, fixed_amount=D("1.00"))
    payment = pay(account, "47.30")
    charge = DeferredCharge.objects.get(payment=payment)
    assert (charge.amount, charge.funded) == (D("1.00"), D("0.00"))
    assert balances(account, water, sewer) == [D("1.00"), D("1.00"), D("0.00")]
    clean()


def test_payment_item_is_paid_from_the_overpayment_first(owed):
    account, water, sewer = owed
    item(trigger=T.Trigger.PAYMENT, fixed_amount=D("1.00"))
    payment = pay(account, "47.80")  # 0.50 over
    charge = DeferredCharge.objects.get(payment=payment)
    assert (charge.amount, charge.funded) == (D("1.00"), D("0.50"))
    assert balances(account, water, sewer) == [D("0.50"), D("0.50"), D("0.00")]
    clean()


def test_payment_item_percentage_and_never_more_than_the_payment(owed):
    account, water, sewer = owed
    item(trigger=T.Trigger.PAYMENT, percentage=D("2"))
    first = pay(account, "20.00")  # 2% of 47.30 owed
    assert DeferredCharge.objects.get(payment=first).amount == D("0.95")
    item(code="BIG", trigger=T.Trigger.PAYMENT, fixed_amount=D("25.00"), apply_order=20)
    second = pay(account, "5.00")  # BIG wants 25.00, the payment was 5.00
    amounts = dict(
        DeferredCharge.objects.filter(payment=second).values_list("charge_type__code", "amount")
    )
    # the statement before the second payment: 47.30 - 20.00 + 0.95 = 28.25; 2% = 0.57
    assert amounts == {"ROUND": D("0.57"), "BIG": D("5.00")}
    assert balances(account)[0] == D("28.25") - D("5.00") + D("5.57")
    clean()


# --- who takes part, and when ------------------------------------------------------------


def test_opt_out_item_applies_until_declined(owed, django_user_model):
    account, _, _ = owed
    charge_type = item(round_up_multiple=D("1.00"))
    csr = django_user_model.objects.create_user("csr1")
    deferred_participation_set(
        customer=account.customer, charge_type=charge_type, participating=False, user=csr
    )
    pay(account, "50.00")
    assert not DeferredCharge.objects.exists()
    [row] = customer_deferred_items(customer=account.customer)
    assert (row["participating"], row["answered"]) == (False, True)
    assert DeferredChargeEnrollment.objects.get().changed_by == csr


def test_opt_in_item_applies_only_after_yes(owed):
    account, _, _ = owed
    charge_type = item(round_up_multiple=D("1.00"), signup_type=T.Signup.OPT_IN)
    assert customer_deferred_items(customer=account.customer)[0]["participating"] is False
    pay(account, "30.00")
    assert not DeferredCharge.objects.exists()
    deferred_participation_set(
        customer=account.customer, charge_type=charge_type, participating=True
    )
    payment = pay(account, "20.00")  # 17.30 owed: round up to 18.00 = 0.70 of 2.70 over
    assert DeferredCharge.objects.get(payment=payment).amount == D("0.70")
    clean()


@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False},
        {"effective_to": DAY - dt.timedelta(days=1)},
        {"effective_from": DAY + dt.timedelta(days=1)},
    ],
)
def test_inactive_or_out_of_dates_item_charges_nothing(owed, fields):
    account, _, _ = owed
    item(round_up_multiple=D("1.00"), **fields)
    pay(account, "50.00", day=DAY)
    assert not DeferredCharge.objects.exists()
    assert balances(account)[0] == D("-2.70")


def test_item_within_its_dates_applies(owed):
    account, _, _ = owed
    item(round_up_multiple=D("1.00"), effective_from=DAY, effective_to=DAY)
    pay(account, "50.00", day=DAY)
    assert DeferredCharge.objects.get().amount == D("0.70")


def test_signup_type_cannot_change_once_saved():
    from django.core.exceptions import ValidationError

    charge_type = item(round_up_multiple=D("1.00"))
    charge_type.signup_type = T.Signup.OPT_IN
    with pytest.raises(ValidationError):
        charge_type.full_clean()


# --- once per payment --------------------------------------------------------------------


def test_applied_once_per_payment(owed):
    account, _, _ = owed
    item(round_up_multiple=D("1.00"))
    payment = pay(account, "50.00")
    payment = Payment.objects.select_related("event__tender_source").get(pk=payment.pk)
    assert deferred_charges_on_freeze(payment=payment, segments=list(payment.segments.all())) == []
    assert DeferredCharge.objects.count() == 1
    assert balances(account)[0] == D("-2.00")
    clean()


def bulk_item(account, amount) -> BulkPayment:
    return BulkPayment(
        account_id=account.pk,
        amount=D(amount),
        tender_type_id=tender_type("CHECK").pk,
        accounting_date=DAY,
    )


def test_bulk_freeze_applies_the_same_rule_once(owed):
    """Two payments to the account in one chunk: the first (20.00) leaves nothing over;
    the second (30.00) finds 27.30 owed and 2.70 over: 0.70 donated, 2.00 credit left."""
    account, water, sewer = owed
    item(round_up_multiple=D("1.00"))
    result = payments_post_bulk(
        items=[bulk_item(account, "20.00"), bulk_item(account, "30.00")], tender_source=source()
    )
    assert result.frozen == 2
    [charge] = DeferredCharge.objects.all()
    assert charge.payment_id == result.payment_ids[1]
    assert (charge.amount, charge.basis) == (D("0.70"), D("27.30"))
    assert balances(account, water, sewer) == [D("-2.00"), D("-2.00"), D("0.00")]
    assert donations_gl() == D("-0.70")
    clean()


def test_bulk_and_online_charge_alike(owed):
    account, _, _ = owed
    other, (water2, sewer2) = account_with("WATER", "SEWER")
    bill(other, {water2: "30.00", sewer2: "17.30"})
    item(trigger=T.Trigger.PAYMENT, fixed_amount=D("1.00"), round_up_multiple=D("1.00"))
    online = pay(account, "50.00")
    [bulk_id] = payments_post_bulk(
        items=[bulk_item(other, "50.00")], tender_source=source()
    ).payment_ids
    fields = ("amount", "funded", "basis")
    assert DeferredCharge.objects.values_list(*fields).get(payment=online) == (
        DeferredCharge.objects.values_list(*fields).get(payment_id=bulk_id)
    )
    assert balances(account)[0] == balances(other)[0] == D("-1.70")
    clean()


def test_no_active_item_costs_one_query():
    """The freeze hot path: with no item active, the rule asks the database once."""
    from payments.services.deferred import FrozenPayment, deferred_charges_apply

    item(round_up_multiple=D("1.00"), is_active=False)
    frozen = FrozenPayment(1, 1, D("1.00"), DAY, 1, ())
    with CaptureQueriesContext(connection) as ctx:
        assert deferred_charges_apply(payments=[frozen]) == []
    assert len(ctx.captured_queries) == 1


# --- cancel ------------------------------------------------------------------------------


def test_payment_cancel_reverses_the_charge(owed):
    account, water, sewer = owed
    charge_type = item(round_up_multiple=D("1.00"), use_company_payoff_order=False)
    DeferredChargeServiceOrder.objects.create(
        charge_type=charge_type, sa_type=SAType.objects.get(code="SEWER")
    )
    payment = pay(account, "50.00")
    payment_cancel(payment=payment, reason=reason("KEYERR"))
    charge = DeferredCharge.objects.get()
    assert charge.cancelled_at is not None
    assert FinancialTransaction.objects.filter(cancels_id__in=charge.fts()).count() == 3
    assert balances(account, water, sewer) == [D("47.30"), D("30.00"), D("17.30")]
    assert donations_gl() == D("0.00")
    clean()


def test_returned_check_reverses_the_charge(owed):
    account, _, _ = owed
    item(trigger=T.Trigger.PAYMENT, fixed_amount=D("1.00"))
    payment = pay(account, "47.30", tender="CHECK")
    tender_cancel(tender=payment.event.tenders.get(), reason=reason("STOPPAY"))
    assert DeferredCharge.objects.get().cancelled_at is not None
    assert donations_gl() == D("0.00")
    assert balances(account)[0] == D("47.30") + D("25.00")  # the stop-payment fee stays
    clean()


# --- receipt -----------------------------------------------------------------------------


def test_receipt_shows_the_deferred_charge(owed):
    account, _, _ = owed
    item(round_up_multiple=D("1.00"))
    payment = pay(account, "50.00")
    pdf = receipt_print(payment=payment, layout="long")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Deferred charges with this payment" in text
    assert "Round-up donation" in text and "$0.70" in text
    # the balance after the payment counts its donation: -2.70 + 0.70
    assert "-$2.00" in text
    short = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=receipt_print(payment=payment, layout="short"),
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "Round-up donation" in short and "$0.70" in short


def test_suspense_account_takes_no_deferred_charge():
    """Unidentified money parked on the suspense account is nobody's donation."""
    account, (water,) = account_with("WATER", is_suspense=True)
    bill(account, {water: "47.30"})
    item(round_up_multiple=D("1.00"))
    payments_post_bulk(items=[bulk_item(account, "50.00")], tender_source=source())
    assert not DeferredCharge.objects.exists()
    clean()


def test_payment_item_charge_is_due_the_day_of_the_payment(owed):
    account, _, _ = owed
    item(trigger=T.Trigger.PAYMENT, fixed_amount=D("1.00"))
    payment = pay(account, "47.30", day=DAY)
    assert DeferredCharge.objects.get(payment=payment).charge_ft.arrears_date == DAY


def test_transfer_reverses_the_charge_and_the_new_account_follows_its_own_answer(owed):
    """A 50.00 payment moved to an account with no debt: the first account's 0.70 donation
    is reversed; the other customer declined the item, so nothing is charged there."""
    from payments.services.events import PaymentIn
    from payments.services.transfer import payment_transfer

    account, water, sewer = owed
    charge_type = item(round_up_multiple=D("1.00"))
    other, _ = account_with("WATER")
    deferred_participation_set(
        customer=other.customer, charge_type=charge_type, participating=False
    )
    payment = pay(account, "50.00")
    [moved] = payment_transfer(
        payment=payment,
        reason=reason("WRONGACCT"),
        targets=[PaymentIn(account=other, amount=D("50.00"))],
    )
    assert DeferredCharge.objects.get(payment=payment).cancelled_at is not None
    assert not DeferredCharge.objects.filter(payment=moved).exists()
    assert balances(account, water, sewer) == [D("47.30"), D("30.00"), D("17.30")]
    assert balances(other)[0] == D("-50.00")
    assert donations_gl() == D("0.00")
    clean()


cents = st.decimals(min_value=D("-500.00"), max_value=D("5000.00"), places=2)
positive = st.decimals(min_value=D("0.01"), max_value=D("100.00"), places=2)


@settings(max_examples=300, deadline=None)
@given(
    basis=cents,
    fixed=st.none() | positive,
    multiple=st.none() | positive,
    cap=st.none() | positive,
    calculation=st.sampled_from(list(T.Calculation.values)),
)
def test_the_amount_is_in_cents_never_negative_never_past_the_cap(
    basis, fixed, multiple, cap, calculation
):
    charge_type = DeferredChargeType(
        fixed_amount=fixed,
        round_up_multiple=multiple,
        never_exceed=cap,
        calculation=calculation,
        percentage=None if fixed or multiple else D("1.5"),
    )
    amount = charge_amount(charge_type=charge_type, basis=basis)
    assert amount >= 0 and amount == amount.quantize(D("0.01"))
    if cap is not None:
        assert amount <= cap
    if multiple is not None and fixed is None and cap is None:
        # round-up alone: the statement plus the charge is the next multiple
        assert amount < multiple
        assert (max(basis, D("0")) + amount) % multiple == 0
