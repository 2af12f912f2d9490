"""The bulk path (uploads, autopay, demo): a constant number of queries per chunk,
per-item refusals and errors, idempotent external ids (DESIGN §3, §7)."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm_log.models import StateLog

from accounts.ledger_checks import ledger_breaches
from accounts.tests.factories import AccountFactory
from payments.models import DistributionRule, Payment
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.tests.factories import account_with, bill, sa_add, source, tender_type

pytestmark = pytest.mark.usefixtures("pay_ref")
DAY = dt.date(2026, 2, 1)


def item(account, amount="20.00", **extra) -> BulkPayment:
    return BulkPayment(
        account_id=account.pk,
        amount=D(amount),
        tender_type_id=tender_type("CHECK").pk,
        accounting_date=DAY,
        **extra,
    )


def billed_accounts(count: int) -> list:
    accounts = []
    for _ in range(count):
        account = AccountFactory()
        water, sewer = sa_add(account, "WATER"), sa_add(account, "SEWER")
        bill(account, {water: 15, sewer: 10})
        accounts.append(account)
    return accounts


def queries_for(accounts) -> int:
    items, lockbox = [item(a) for a in accounts], source()
    with CaptureQueriesContext(connection) as ctx:
        result = payments_post_bulk(items=items, tender_source=lockbox)
    assert result.frozen == len(accounts)
    return len(ctx.captured_queries)


def test_queries_per_chunk_do_not_grow_with_the_chunk():
    """100 payments cost the queries 25 do (both above the COPY threshold)."""
    small, large = billed_accounts(25), billed_accounts(100)
    queries_for(billed_accounts(1))  # warm the content-type cache
    assert queries_for(large) == queries_for(small)
    assert list(ledger_breaches()) == []


def test_refusals_and_errors_are_per_item():
    """One chunk: a refused account, an unknown one, a bad match value (saved in Error,
    seed 003 step 7.1) and a good payment, which is frozen and logged."""
    good, _ = account_with("WATER")
    refused, _ = account_with("WATER")
    refused.customer.do_not_accept_payments = True
    refused.customer.save(update_fields=["do_not_accept_payments"])
    no_checks, _ = account_with("WATER")
    no_checks.customer.disallowed_pay_methods = ["check"]
    no_checks.customer.save(update_fields=["disallowed_pay_methods"])
    bad_match, _ = account_with("WATER")
    match = DistributionRule.objects.get(code="MATCHSA")
    result = payments_post_bulk(
        items=[
            item(refused),
            BulkPayment(
                account_id=10**9,
                amount=D("5"),
                tender_type_id=tender_type().pk,
                accounting_date=DAY,
            ),
            item(no_checks),
            item(bad_match, match_value="999999", distribution_rule_id=match.pk),
            item(good),
        ],
        tender_source=source(),
    )
    assert "does not accept payments" in result.errors[0]
    assert "does not exist" in result.errors[1]
    assert "does not accept check payments" in result.errors[2]
    assert "not an SA of the payment's account" in result.errors[3]
    assert result.payment_ids[:3] == [None, None, None]
    assert Payment.objects.get(pk=result.payment_ids[3]).status == Payment.Status.ERROR
    assert Payment.objects.get(pk=result.payment_ids[4]).status == Payment.Status.FROZEN
    assert result.frozen_ids == [result.payment_ids[4]]
    assert StateLog.objects.filter(object_id=result.payment_ids[4], state="frozen").exists()
    assert list(ledger_breaches()) == []


def test_external_ids_post_once():
    """A processor's transaction id makes one payment, even when the file comes twice."""
    account, _ = account_with("WATER")
    first = payments_post_bulk(
        items=[item(account, external_id="tx-1"), item(account, external_id="tx-1")],
        tender_source=source("PROCESSOR"),
    )
    assert first.frozen == 1 and "posted already" in first.errors[1]
    again = payments_post_bulk(
        items=[item(account, external_id="tx-1")], tender_source=source("PROCESSOR")
    )
    assert again.frozen == 0 and 0 in again.errors
    # the same id from another source is another transaction
    other = payments_post_bulk(
        items=[item(account, external_id="tx-1")], tender_source=source("LOCKBOX")
    )
    assert other.frozen == 1


def test_back_dated_bulk_payment_relieves_all_open_debt():
    """Issue 7 item 2 on the bulk path (uploads, lockbox files): a payment dated 10/20
    posted after the 11/01 bill pays both bills' debt by priority and age, as online; no
    SA is credited as overpaid while another still owes."""
    account, (water, sewer) = account_with("WATER", "SEWER")
    bill(account, {water: 50, sewer: 50}, bill_date=dt.date(2026, 10, 1))
    bill(account, {water: 40, sewer: 60}, bill_date=dt.date(2026, 11, 1))
    result = payments_post_bulk(
        items=[
            BulkPayment(
                account_id=account.pk,
                amount=D("200.00"),
                tender_type_id=tender_type("CHECK").pk,
                accounting_date=dt.date(2026, 10, 20),
            )
        ],
        tender_source=source("LOCKBOX"),
    )
    assert result.errors == {}
    payment = Payment.objects.get(pk=result.payment_ids[0])
    paid = {s.sa.sa_type.code: s.amount for s in payment.segments.select_related("sa__sa_type")}
    assert paid == {"WATER": D("90.00"), "SEWER": D("110.00")}
    assert not payment.segments.filter(is_overpayment=True).exists()
    water.refresh_from_db()
    sewer.refresh_from_db()
    assert (water.balance, sewer.balance) == (D("0.00"), D("0.00"))
    assert list(ledger_breaches()) == []


def _history(account) -> list[tuple]:
    """What each payment of the account paid: (date, SA type, amount, overpayment, due)."""
    from payments.models import PaySegment

    return sorted(
        PaySegment.objects.filter(payment__account=account).values_list(
            "payment__accounting_date",
            "sa__sa_type__code",
            "amount",
            "is_overpayment",
            "debt_due_date",
        )
    )


def test_a_chunk_spanning_days_pays_what_one_chunk_a_day_pays():
    """The bulk path plans a chunk of many accounting dates at once: each payment must
    find the debt the earlier days' payments left, as when each day is posted on its own
    after the one before (bills due on two dates, a charge with no due date, which is
    due on whichever day a payment is judged, and a last payment that overpays)."""
    from accounts.models import FinancialTransaction, GLAccount
    from accounts.services.ledger import Posting, ledger_post

    days = [dt.date(2026, 1, 15), dt.date(2026, 2, 5), dt.date(2026, 2, 25)]
    amounts = ["40.00", "30.00", "90.00"]
    twins = []
    for _ in range(2):
        account = AccountFactory()
        water, sewer = sa_add(account, "WATER"), sa_add(account, "SEWER")
        bill(account, {water: 30, sewer: 20}, bill_date=dt.date(2026, 1, 1))
        bill(account, {water: 15, sewer: 25}, bill_date=dt.date(2026, 2, 1))
        ledger_post(
            postings=[
                Posting(
                    sa_id=sewer.pk,
                    account_id=account.pk,
                    receivable_gl_id=sewer.sa_type.receivable_gl_id,
                    offset_gl_id=GLAccount.objects.get(code="4900").pk,
                    kind=FinancialTransaction.Kind.ADJUSTMENT,
                    amount=D("12.00"),
                    accounting_date=dt.date(2026, 1, 10),
                )
            ]
        )
        twins.append(account)
    one_chunk, day_by_day = twins
    items = [
        replace(item(one_chunk, amount), accounting_date=day)
        for day, amount in zip(days, amounts, strict=True)
    ]
    assert payments_post_bulk(items=items, tender_source=source()).frozen == 3
    for day, amount in zip(days, amounts, strict=True):
        result = payments_post_bulk(
            items=[replace(item(day_by_day, amount), accounting_date=day)], tender_source=source()
        )
        assert result.frozen == 1
    paid = _history(one_chunk)
    assert paid == _history(day_by_day)
    assert len({(day, code) for day, code, *_ in paid}) > len(days)  # payments were split
    assert any(over for *_, over, _ in paid)  # and the last one overpaid
    one_chunk.refresh_from_db()
    day_by_day.refresh_from_db()
    assert one_chunk.balance == day_by_day.balance
    assert list(ledger_breaches()) == []
