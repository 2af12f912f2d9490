"""Adding payments: distribution modes, acceptance, overpayment, freeze, delete,
reallocation (seed 003 steps 1.1-3.1, 4.6, 4.9-5.4, 8.5)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from accounts.ledger_checks import ledger_breaches
from accounts.models import CreditRatingEvent, FinancialTransaction, GLLine, ServiceAgreement
from accounts.services.work import credit_event_add
from payments.exceptions import PaymentError, PaymentRefused, PaymentStateError
from payments.models import DistributionRule, Payment, PaymentEvent, PaySegment, Tender
from payments.selectors import event_unapplied
from payments.services.cancel import payment_cancel
from payments.services.distribution import payment_distribute
from payments.services.events import (
    DistributionMode,
    PaymentIn,
    TenderIn,
    payment_add,
    payment_delete,
    payment_event_allocation_update,
    payment_event_create,
    payment_event_delete,
    payment_retry,
)
from payments.services.freeze import payment_freeze
from payments.signals import payment_frozen
from payments.tests.factories import (
    account_with,
    bill,
    captured,
    pay,
    reason,
    source,
    tender_type,
)

pytestmark = pytest.mark.usefixtures("pay_ref")


def segments(payment) -> dict[str, D]:
    return {s.sa.sa_type.code: s.amount for s in payment.segments.select_related("sa__sa_type")}


def test_distribute_and_freeze_pays_by_priority_and_posts_fts():
    """seed 003 steps 1.6, 1.8, 3.0, 3.1: priority order (water 20 before sewer 30),
    one credit FT per pay segment, GL lines debit the source's cash GL."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    payment = pay(account, 50)
    assert payment.status == Payment.Status.FROZEN
    assert segments(payment) == {"WATER": D("40.00"), "SEWER": D("10.00")}
    fts = FinancialTransaction.objects.filter(pay_segment__payment=payment)
    assert sorted(fts.values_list("current_amount", flat=True)) == [D("-40.00"), D("-10.00")]
    assert set(fts.values_list("kind", flat=True)) == {"pay_segment"}
    cash = GLLine.objects.filter(ft__in=fts, gl_account=source().cash_gl)
    assert cash.aggregate(s=Sum("amount"))["s"] == D("50.00")
    account.refresh_from_db()
    assert account.balance == D("20.00")
    assert list(ledger_breaches()) == []


def test_priority_then_age_within_priority():
    """seed 003 step 1.8 (PYDISTPPRTY): equal priority pays the older debt first."""
    account, (elec, water) = account_with("ELEC", "WATER")  # 25 and 20
    bill(account, {elec: 30}, bill_date=dt.date(2025, 11, 1))
    bill(account, {elec: 30, water: 30}, bill_date=dt.date(2025, 12, 1))
    payment = pay(account, 45)
    assert segments(payment) == {"WATER": D("30.00"), "ELEC": D("15.00")}


def test_overpayment_goes_to_highest_priority_eligible_sa():
    """seed 003 step 2.7 (OVRPY-PPRTY): beyond the debt, to water (eligible, 20), not
    electric (eligible, 25) nor sewer (not eligible)."""
    account, (sewer, elec, water) = account_with("SEWER", "ELEC", "WATER")
    bill(account, {sewer: 10, elec: 10, water: 10})
    payment = pay(account, 100)
    assert segments(payment) == {"WATER": D("80.00"), "ELEC": D("10.00"), "SEWER": D("10.00")}
    assert payment.segments.get(sa=water).is_overpayment


def test_overpayment_without_eligible_sa_creates_an_excess_credit_sa():
    """seed 003 step 2.9 (OVRPY-CREDSA): no eligible SA, so an excess-credit SA is created
    on the fly and takes the rest; a second overpayment reuses it."""
    account, (sewer,) = account_with("SEWER")
    bill(account, {sewer: 25})
    first = pay(account, 40)
    assert segments(first) == {"SEWER": D("25.00"), "EXCESS": D("15.00")}
    second = pay(account, 5)
    assert segments(second) == {"EXCESS": D("5.00")}
    assert ServiceAgreement.objects.filter(account=account, sa_type__code="EXCESS").count() == 1
    account.refresh_from_db()
    assert account.balance == D("-20.00")
    assert list(ledger_breaches()) == []


def test_manual_distribution_then_freeze():
    """seed 003 steps 2.0, 2.1, 2.6: CSR amounts per SA, frozen separately."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    payment = pay(
        account, 50, mode=DistributionMode.MANUAL, sa_amounts={sewer: D("30"), water: D("20")}
    )
    assert payment.status == Payment.Status.INCOMPLETE
    assert segments(payment) == {"WATER": D("20.00"), "SEWER": D("30.00")}
    assert not FinancialTransaction.objects.filter(kind="pay_segment").exists()
    payment_freeze(payment=payment)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FROZEN
    sewer.refresh_from_db()
    assert sewer.balance == D("0.00")


def test_manual_amounts_must_add_up_to_the_payment():
    """seed 003 step 2.0: a manual distribution that doesn't total the payment is refused."""
    account, (water,) = account_with("WATER")
    with pytest.raises(PaymentError, match=r"totals \$20\.00 but the payment is \$50\.00"):
        pay(account, 50, mode=DistributionMode.MANUAL, sa_amounts={water: D("20.00")})


def test_change_distribution_before_freeze():
    """seed 003 steps 2.4/2.5, 5.1/5.2: the CSR changes the proposed distribution."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    payment = pay(account, 30, mode=DistributionMode.MANUAL)
    assert segments(payment) == {"WATER": D("30.00")}
    payment_distribute(payment=payment, sa_amounts={sewer: D("30.00")})
    assert segments(payment) == {"SEWER": D("30.00")}


def test_do_not_distribute_leaves_the_payment_incomplete_without_segments():
    """seed 003 step 1.5: do not distribute; distribution and freeze come later."""
    account, (water,) = account_with("WATER")
    bill(account, {water: 40})
    payment = pay(account, 40, mode=DistributionMode.DO_NOT_DISTRIBUTE)
    assert payment.status == Payment.Status.INCOMPLETE
    assert not payment.segments.exists()
    with pytest.raises(PaymentError, match="distribute it first"):
        payment_freeze(payment=payment)
    payment_distribute(payment=payment)
    payment_freeze(payment=payment)
    water.refresh_from_db()
    assert water.balance == D("0.00")


def test_freeze_twice_is_refused():
    account, (water,) = account_with("WATER")
    payment = pay(account, 10)
    with pytest.raises(PaymentStateError, match="is frozen"):
        payment_freeze(payment=payment)


def test_match_value_targets_one_sa():
    """seed 003 step 1.8 (DSOV SA-ID): the match value names the SA that gets it all."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 40, sewer: 30})
    payment = pay(account, 25, match_value=str(sewer.pk))
    assert segments(payment) == {"SEWER": D("25.00")}


def test_unusable_match_value_saves_the_payment_in_error_and_retry_fixes_it():
    """seed 003 steps 7.1, 8.4, 8.5: a payment that can't be distributed is kept in Error
    with the reason; once fixed it is distributed and frozen again."""
    account, (water,) = account_with("WATER")
    other, (foreign,) = account_with("WATER")
    payment = pay(
        account,
        25,
        match_value=str(foreign.pk),
        distribution_rule=DistributionRule.objects.get(code="MATCHSA"),
    )
    assert payment.status == Payment.Status.ERROR
    assert "is not an SA of the payment's account" in payment.error_message
    Payment.objects.filter(pk=payment.pk).update(match_value=str(water.pk))
    payment = payment_retry(payment=payment)
    assert payment.status == Payment.Status.FROZEN
    assert segments(payment) == {"WATER": D("25.00")}


def test_several_tenders_fund_one_payment():
    """seed 003 step 1.4: cash and a check for one payment."""
    account, (water,) = account_with("WATER")
    event = payment_event_create(
        tender_source=source(),
        tenders=[
            TenderIn(tender_type=tender_type("CASH"), amount=D("20.00")),
            TenderIn(tender_type=tender_type("CHECK"), amount=D("30.00"), check_number="101"),
        ],
        payments=[PaymentIn(account=account, amount=D("50.00"))],
    )
    assert event.tenders.count() == 2
    assert event.payments.get().status == Payment.Status.FROZEN


def test_tenders_must_balance_payments():
    """DESIGN §3: tenders total == payments total."""
    account, _ = account_with("WATER")
    with pytest.raises(
        PaymentError, match=r"the tenders total \$20.00 but the payments total \$25.00"
    ):
        payment_event_create(
            tender_source=source(),
            tenders=[TenderIn(tender_type=tender_type(), amount=D("20.00"))],
            payments=[PaymentIn(account=account, amount=D("25.00"))],
        )
    assert not PaymentEvent.objects.exists()


def test_do_not_accept_payments_is_refused_with_a_clear_message():
    """seed 003 step 1.1: the customer is flagged do-not-accept-payments."""
    account, _ = account_with("WATER")
    account.customer.do_not_accept_payments = True
    account.customer.save(update_fields=["do_not_accept_payments"])
    with pytest.raises(PaymentRefused, match=f"Account {account.number} does not accept payments"):
        pay(account, 10)
    assert not Payment.objects.exists()


def test_disallowed_pay_method_is_refused_for_payee_and_payor():
    """seed 003 step 1.1: 'no checks' on the customer refuses a check, from them or for them."""
    account, _ = account_with("WATER")
    account.customer.disallowed_pay_methods = ["check"]
    account.customer.save(update_fields=["disallowed_pay_methods"])
    with pytest.raises(PaymentRefused, match="does not accept check payments"):
        pay(account, 10, tender="CHECK")
    other, _ = account_with("WATER")
    with pytest.raises(PaymentRefused, match=f"Account {account.number} does not accept check"):
        pay(other, 10, tender="CHECK", payor=account)
    assert pay(account, 10, tender="CASH").status == Payment.Status.FROZEN


def test_cash_only_score_limits_tenders_to_cash():
    """seed 003 steps 1.1/4.3: past the cash-only threshold a card is refused, cash taken."""
    account, _ = account_with("WATER")
    credit_event_add(
        account=account,
        reason="returned checks",
        cash_only_points=100,
        effective_on=dt.date(2026, 1, 1),
    )
    with pytest.raises(PaymentRefused, match="is cash only"):
        pay(account, 10, tender="CARD")
    assert pay(account, 10, tender="CASH").status == Payment.Status.FROZEN
    assert CreditRatingEvent.objects.count() == 1


def test_frozen_signal_is_sent_after_commit(django_capture_on_commit_callbacks):
    """DESIGN §1: `payment_frozen` goes out on commit (serviceorders reconnects on it)."""
    account, _ = account_with("WATER")
    with captured(payment_frozen) as received:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            payment = pay(account, 10)
        assert received == []  # nothing before commit
        for callback in callbacks:
            callback()
    assert received == [{"payment_ids": [payment.pk], "account_ids": [account.pk]}]


def test_delete_unfrozen_payment_and_tender():
    """seed 003 steps 2.2/2.3: deleted with its tender, no financial impact."""
    account, (water,) = account_with("WATER")
    bill(account, {water: 40})
    payment = pay(account, 40, mode=DistributionMode.MANUAL)
    payment_delete(payment=payment)
    assert not PaymentEvent.objects.exists() and not Tender.objects.exists()
    assert not PaySegment.objects.exists()
    water.refresh_from_db()
    assert water.balance == D("40.00")


def test_frozen_event_cannot_be_deleted():
    account, _ = account_with("WATER")
    payment = pay(account, 10)
    with pytest.raises(PaymentStateError, match="cancel them instead"):
        payment_event_delete(event=payment.event)
    with pytest.raises(PaymentStateError, match="cancel it instead"):
        payment_delete(payment=payment)


def test_one_event_pays_several_accounts():
    """seed 003 steps 4.9/5.0: a payor's check allocated to two payee accounts."""
    payor, (p_water,) = account_with("WATER")
    tenant, (t_water,) = account_with("WATER")
    bill(payor, {p_water: 30})
    bill(tenant, {t_water: 45})
    event = payment_event_create(
        tender_source=source(),
        tenders=[
            TenderIn(tender_type=tender_type("CHECK"), amount=D("75.00"), payor_account=payor)
        ],
        payments=[
            PaymentIn(account=payor, amount=D("30.00")),
            PaymentIn(account=tenant, amount=D("45.00")),
        ],
    )
    assert sorted(event.payments.values_list("status", flat=True)) == ["frozen", "frozen"]
    payor.refresh_from_db()
    tenant.refresh_from_db()
    assert (payor.balance, tenant.balance) == (D("0.00"), D("0.00"))


def test_reallocate_unfrozen_payments_across_accounts():
    """seed 003 steps 5.3/5.4: the CSR changes accounts and amounts before freezing."""
    first, _ = account_with("WATER")
    second, _ = account_with("WATER")
    event = payment_event_create(
        tender_source=source(),
        tenders=[TenderIn(tender_type=tender_type(), amount=D("60.00"))],
        payments=[PaymentIn(account=first, amount=D("60.00"))],
        mode=DistributionMode.MANUAL,
    )
    payment_event_allocation_update(
        event=event,
        payments=[
            PaymentIn(account=first, amount=D("20.00")),
            PaymentIn(account=second, amount=D("40.00")),
        ],
        mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
    )
    amounts = dict(event.payments.values_list("account_id", "amount"))
    assert amounts == {first.pk: D("20.00"), second.pk: D("40.00")}
    with pytest.raises(PaymentError, match="totals 50.00 but 0.00 is to allocate"):
        payment_event_allocation_update(
            event=event, payments=[PaymentIn(account=first, amount=D("50.00"))], mode="manual"
        )


def test_add_payment_to_existing_tender_after_a_cancel():
    """seed 003 steps 3.8, 4.5, 4.6: cancelling a payment leaves its tender unapplied; a new
    payment on the same tender balances the event again."""
    account, _ = account_with("WATER")
    right, _ = account_with("WATER")
    payment = pay(account, 35)
    payment_cancel(payment=payment, reason=reason("WRONGACCT"))
    assert event_unapplied(event=payment.event) == D("35.00")
    assert list(ledger_breaches()) == []  # a cancelled payment awaiting a new one is allowed
    with pytest.raises(PaymentError, match="would exceed its tenders"):
        payment_add(event=payment.event, payment=PaymentIn(account=right, amount=D("40.00")))
    new = payment_add(event=payment.event, payment=PaymentIn(account=right, amount=D("35.00")))
    assert new.status == Payment.Status.FROZEN
    assert event_unapplied(event=payment.event) == D("0.00")
    assert list(ledger_breaches()) == []


def back_dated_account():
    """Issue 7 item 2: WATER and SEWER, bills 10/01 (50/50) and 11/01 (40/60)."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 50, sewer: 50}, bill_date=dt.date(2026, 10, 1))
    bill(account, {water: 40, sewer: 60}, bill_date=dt.date(2026, 11, 1))
    return account, water, sewer


def test_back_dated_payment_relieves_all_open_debt():
    """seed 003 steps 1.8, 2.7, 2.9: a payment dated 10/20 posted after the 11/01 bill pays
    the debt open when it is distributed, the 11/01 bill included, by priority and age; it
    is no overpayment while any SA still owes. The user relies on a paid-up account showing
    nothing past due on any SA."""
    account, water, sewer = back_dated_account()
    # when a lockbox payment of the whole balance, dated before the second bill, comes in
    event = payment_event_create(
        tender_source=source("LOCKBOX"),
        payment_date=dt.date(2026, 10, 20),
        tenders=[TenderIn(tender_type=tender_type("CHECK"), amount=D("200.00"))],
        payments=[PaymentIn(account=account, amount=D("200.00"))],
    )
    # then every SA is paid off and nothing is an overpayment
    payment = event.payments.get()
    assert segments(payment) == {"WATER": D("90.00"), "SEWER": D("110.00")}
    assert not payment.segments.filter(is_overpayment=True).exists()
    water.refresh_from_db()
    sewer.refresh_from_db()
    assert (water.balance, sewer.balance) == (D("0.00"), D("0.00"))
    # the payment keeps its own date on the books
    assert payment.accounting_date == dt.date(2026, 10, 20)
    assert list(ledger_breaches()) == []


def test_back_dated_payment_pays_the_debt_of_its_date_first():
    """A payment dated 10/20 of the 10/01 bill's amount pays that bill, the one the customer
    paid for, though priority alone would put it on the 11/01 bill's water first: debt
    booked after the payment's date comes after the debt of its date."""
    account, _, _ = back_dated_account()
    payment = pay(account, 100, day=dt.date(2026, 10, 20))
    assert segments(payment) == {"WATER": D("50.00"), "SEWER": D("50.00")}


def test_back_dated_payment_ages_debt_as_of_its_date():
    """Debt age is judged on the payment's date: delinquent-first on 10/25 pays what was
    past due then (the 10/01 bill, due 10/22) before the 11/01 bill's current debt, which
    still counts as debt, never as overpayment."""
    account, _, _ = back_dated_account()
    payment = pay(
        account,
        150,
        day=dt.date(2026, 10, 25),
        distribution_rule=DistributionRule.objects.get(code="DELINQ"),
    )
    # 50/50 past due, then the other 50 prorated over the current 40/60
    assert segments(payment) == {"WATER": D("70.00"), "SEWER": D("80.00")}
    assert not payment.segments.filter(is_overpayment=True).exists()
