"""A Hypothesis state machine over the payment services (issue 7, must-show): on a few
accounts (2-4 SAs each, of different priorities, with completed bills due in the past and
in the future) it interleaves payments in every distribution mode (back-dated and today,
several tender types, payors other than the payees, several payees per event), the bulk
path, check cashing, payment cancels, tender cancels with NSF and other reasons, returned
payments with and without re-presentment, transfers, payments added to a tender left
unapplied, event deletes, and deposit / tender controls opened, filled, balanced and
reopened.

What a finance user relies on, after any sequence of these:
- `check_ledger` reports nothing (every event balances, every posting has its FTs, every
  FT balances in the GL), each account's and SA's cached balance is the sum of its FTs,
  and all GL lines together sum to zero;
- a request a service refuses (`PaymentError`) changes nothing at all;
- a payment relieves open debt before anything is credited as an overpayment, whatever
  its payment date (seed 003 steps 1.8, 2.7, 2.9);
- an NSF return always lands: it charges the fee to someone (the payor, else the
  tender's first payee, steps 4.2/4.3), a cashed check returned NSF is owed by its payor
  (Cash Check), NSF reasons never apply to cash, and a re-presentment is recorded even
  when the NSF points made the account cash only;
- a balanced control's tenders are final (steps 6.4-6.6): none added, none removed.

Each example runs inside its own atomic block that is rolled back in `teardown`, so every
example starts from the reference data alone.
"""

import datetime as dt
import os
from contextlib import contextmanager, suppress
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.ledger_checks import ledger_breaches
from accounts.models import (
    Account,
    Adjustment,
    CreditRatingEvent,
    ServiceAgreement,
)
from accounts.tests.factories import AccountFactory
from payments.exceptions import PaymentError
from payments.models import (
    ControlStatus,
    DepositControl,
    DistributionRule,
    Payment,
    PaymentEvent,
    Tender,
    TenderCategory,
    TenderControl,
)
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.services.cancel import payment_cancel, tender_cancel, tender_return
from payments.services.controls import (
    control_reopen,
    deposit_control_balance,
    deposit_control_create,
    tender_control_balance,
    tender_control_open,
)
from payments.services.distribution import payment_distribute
from payments.services.events import (
    DistributionMode,
    PaymentIn,
    TenderIn,
    payment_add,
    payment_event_create,
    payment_event_delete,
)
from payments.services.freeze import payment_freeze
from payments.services.noncis import check_cash
from payments.services.transfer import payment_transfer
from payments.tests.factories import account_with, bill, reason, sa_add, source, tender_type

D = Decimal
ZERO = D("0.00")
SA_CODES = ["WATER", "ELEC", "SEWER", "TRASH"]  # payment priorities 20, 25, 30, 40
TENDER_CODES = ["CASH", "CHECK", "CASHIERS", "MONEYORD", "CARD", "ACH"]
SOURCES = ["CASHIER", "LOCKBOX"]
RULES = [None, "PRIORITY", "DUEDATE", "DELINQ"]
MODES = list(DistributionMode)
PAYMENT_REASONS = ["KEYERR", "WRONGACCT", "DUPLICATE"]
NSF_REASONS = ["NSF", "STOPPAY", "ACCTCLOSED"]
TENDER_REASONS = ["KEYERR", "DUPLICATE", *NSF_REASONS]
# The tender categories a bank returns NSF (issue 7 item 7: never cash).
NSF_CATEGORIES = {c.value for c in (TenderCategory.CHECK, TenderCategory.ACH, TenderCategory.CARD)}
# One NSF return (25 cash-only points) makes an account cash only.
CASH_ONLY_THRESHOLD = 25

amounts = st.integers(min_value=1, max_value=30_000).map(lambda c: D(c) / 100)
days_back = st.one_of(st.just(0), st.integers(min_value=1, max_value=75))


def split(draw, total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` positive cents amounts (fewer parts when it is too small)."""
    cents = int(total * 100)
    parts = max(1, min(parts, cents))
    if parts == 1:
        return [total]
    cuts = sorted(draw(st.sets(st.integers(1, cents - 1), min_size=parts - 1, max_size=parts - 1)))
    edges = [0, *cuts, cents]
    return [D(b - a) / 100 for a, b in zip(edges, edges[1:], strict=False)]


# Everything a refused request must leave as it was, read in one round trip.
_STATE_SQL = """SELECT
    (SELECT string_agg(id || ':' || balance, ',' ORDER BY id) FROM accounts_account),
    (SELECT string_agg(id || ':' || balance || status, ',' ORDER BY id)
       FROM accounts_serviceagreement),
    (SELECT COUNT(*) || '/' || COALESCE(SUM(current_amount), 0)
       FROM accounts_financialtransaction),
    (SELECT COUNT(*) FROM accounts_glline),
    (SELECT string_agg(id || ':' || status || amount, ',' ORDER BY id) FROM accounts_adjustment),
    (SELECT COUNT(*) FROM accounts_creditratingevent),
    (SELECT COUNT(*) FROM accounts_todoentry),
    (SELECT string_agg(id::text, ',' ORDER BY id) FROM payments_paymentevent),
    (SELECT string_agg(id || ':' || status || amount || '@' || account_id, ',' ORDER BY id)
       FROM payments_payment),
    (SELECT string_agg(id || ':' || status || COALESCE(tender_control_id, 0), ',' ORDER BY id)
       FROM payments_tender),
    (SELECT string_agg(id || ':' || amount || '/' || COALESCE(ft_id, 0) || '/'
                       || COALESCE(cancel_ft_id, 0), ',' ORDER BY id) FROM payments_paysegment),
    (SELECT string_agg(id || ':' || status || COALESCE(expected_count, -1) || '/'
                       || COALESCE(expected_total, -1), ',' ORDER BY id)
       FROM payments_tendercontrol),
    (SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM payments_depositcontrol)"""

# What the rules' preconditions ask, in one round trip per step.
_FLAGS_SQL = """SELECT
    EXISTS (SELECT 1 FROM payments_payment WHERE status IN ('incomplete', 'error')),
    EXISTS (SELECT 1 FROM payments_payment WHERE status = 'frozen'),
    EXISTS (SELECT 1 FROM payments_payment WHERE status = 'cancelled'),
    EXISTS (SELECT 1 FROM payments_paymentevent e WHERE NOT EXISTS (
        SELECT 1 FROM payments_payment p WHERE p.event_id = e.id
        AND p.status IN ('frozen', 'cancelled'))),
    EXISTS (SELECT 1 FROM payments_tender WHERE status = 'valid'),
    EXISTS (SELECT 1 FROM payments_tender WHERE status = 'valid' AND amount > 0),
    EXISTS (SELECT 1 FROM payments_tendercontrol WHERE status IN ('open', 'balancing')),
    EXISTS (SELECT 1 FROM payments_tendercontrol WHERE status = 'balancing')
        OR EXISTS (SELECT 1 FROM payments_depositcontrol WHERE status = 'balancing'),
    EXISTS (SELECT 1 FROM payments_depositcontrol WHERE status <> 'balanced'),
    EXISTS (SELECT 1 FROM payments_depositcontrol WHERE status = 'open')"""
_FLAGS = [
    "pending",
    "frozen",
    "cancelled",
    "unfrozen_event",
    "valid_tender",
    "positive_tender",
    "unbalanced_drawer",
    "balancing",
    "unbalanced_deposit",
    "open_deposit",
]

# Cached balances against the FTs, and the whole GL.
_SUMS_SQL = """SELECT
    (SELECT string_agg('account ' || a.id || ': ' || a.balance || ' vs ' || COALESCE(f.s, 0), '; ')
       FROM accounts_account a
       LEFT JOIN (SELECT account_id, SUM(current_amount) s FROM accounts_financialtransaction
                  WHERE is_frozen GROUP BY account_id) f ON f.account_id = a.id
       WHERE a.balance <> COALESCE(f.s, 0)),
    (SELECT string_agg('SA ' || sa.id || ': ' || sa.balance || ' vs ' || COALESCE(f.s, 0), '; ')
       FROM accounts_serviceagreement sa
       LEFT JOIN (SELECT sa_id, SUM(current_amount) s FROM accounts_financialtransaction
                  WHERE is_frozen GROUP BY sa_id) f ON f.sa_id = sa.id
       WHERE sa.balance <> COALESCE(f.s, 0)),
    (SELECT COALESCE(SUM(amount), 0) FROM accounts_glline)"""


def sql_row(sql: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def db_state() -> tuple:
    return sql_row(_STATE_SQL)


def debt_sas(account_id: int):
    """The SAs a payment relieves debt on (not deposits or excess-credit SAs)."""
    return ServiceAgreement.objects.filter(
        account_id=account_id, sa_type__is_deposit=False, sa_type__is_excess_credit=False
    )


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # One atomic block per example, rolled back in teardown: a clean start each time.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.today = timezone.localdate()
        self.accounts: list[Account] = []
        # Balanced control pk -> the tender pks it held when it balanced.
        self.balanced: dict[tuple[str, int], set[int]] = {}
        self.refusals = 0
        self._flags: dict[str, bool] | None = None
        # Payments distributed by SA amounts (manual): no algorithm to hold to.
        self.by_sa: set[int] = set()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ---- set-up -------------------------------------------------------------------------

    @initialize(data=st.data())
    def accounts_billed(self, data):
        """2-4 accounts, each with 2-4 SAs of different priorities and two or three
        completed bills: one past due, one or two due in the future."""
        n_accounts = data.draw(st.integers(2, 4), label="accounts")
        for _ in range(n_accounts):
            codes = data.draw(
                st.lists(st.sampled_from(SA_CODES), min_size=2, max_size=4, unique=True),
                label="SA types",
            )
            account = AccountFactory()
            sas = [sa_add(account, code) for code in codes]
            bill_days = data.draw(
                st.lists(st.integers(5, 70), min_size=1, max_size=3, unique=True),
                label="bills (days ago)",
            )
            for ago in sorted(bill_days, reverse=True):
                segments = {sa: data.draw(amounts, label="segment") for sa in sas}
                bill(account, segments, bill_date=self.today - dt.timedelta(days=ago))
            account.refresh_from_db()
            note(f"account {account.pk}: SAs {codes}, bills {sorted(bill_days)} days ago")
            self.accounts.append(account)

    # ---- helpers ------------------------------------------------------------------------

    @contextmanager
    def refusable(self, what: str):
        """Run a service call; a PaymentError is a refusal, which must change nothing."""
        before = db_state()
        self._flags = None
        try:
            yield
        except PaymentError as exc:
            note(f"  refused: {what}: {exc}")
            self.refusals += 1
            assert db_state() == before, f"the refused {what} changed the database ({exc})"
        else:
            note(f"  done: {what}")

    def flag(self, name: str) -> bool:
        if self._flags is None:
            self._flags = dict(zip(_FLAGS, sql_row(_FLAGS_SQL), strict=True))
        return self._flags[name]

    def pick(self, data, qs, label: str):
        items = list(qs.order_by("pk"))
        return data.draw(st.sampled_from(items), label=label) if items else None

    def open_control(self, data, source_code: str):
        controls = list(
            TenderControl.objects.filter(
                status=ControlStatus.OPEN,
                tender_source__code=source_code,
                deposit_control__status=ControlStatus.OPEN,
            ).order_by("pk")
        )
        if not controls or data.draw(st.integers(0, 2), label="no control") == 0:
            return None
        return data.draw(st.sampled_from(controls), label="tender control")

    def overpayment_only_past_all_debt(self, payments) -> None:
        """seed 003 steps 1.8/2.7/2.9 (issue 7 item 2): an automatically distributed
        payment credits an overpayment only once every SA's open debt is relieved."""
        for payment in payments:
            payment.refresh_from_db()
            if payment.status != Payment.Status.FROZEN or payment.pk in self.by_sa:
                continue
            if not payment.segments.filter(is_overpayment=True).exists():
                continue
            still_owed = {
                sa.pk: sa.balance for sa in debt_sas(payment.account_id) if sa.balance > 0
            }
            assert not still_owed, (
                f"issue 7 item 2: payment {payment.pk} (dated {payment.accounting_date}) "
                f"credited an overpayment while SAs still owe {still_owed}"
            )

    def sa_amounts(self, data, account: Account, amount: Decimal):
        sas = list(account.agreements.order_by("pk"))
        n = data.draw(st.integers(1, len(sas)), label="manual SA count")
        parts = split(data.draw, amount, n)
        return dict(zip(sas[: len(parts)], parts, strict=True))

    # ---- payments -----------------------------------------------------------------------

    @rule(data=st.data())
    def pay(self, data):
        """An event: 1-2 payees, 1-2 tenders of any type, maybe a payor other than the
        payees, any mode and rule, dated today or back-dated, maybe in a tender control."""
        draw = data.draw
        payees = draw(
            st.lists(
                st.sampled_from(self.accounts), min_size=1, max_size=2, unique_by=lambda a: a.pk
            ),
            label="payees",
        )
        mode = draw(st.sampled_from([MODES[0], *MODES]), label="mode")
        rule_code = draw(st.sampled_from(RULES), label="rule")
        rule = DistributionRule.objects.get(code=rule_code) if rule_code else None
        payments = []
        for account in payees:
            amount = draw(amounts, label="amount")
            manual = mode == DistributionMode.MANUAL and draw(st.booleans(), label="by SA")
            payments.append(
                PaymentIn(
                    account=account,
                    amount=amount,
                    distribution_rule=rule,
                    sa_amounts=self.sa_amounts(data, account, amount) if manual else None,
                )
            )
        total = sum((p.amount for p in payments), ZERO)
        n_tenders = draw(st.sampled_from([1, 1, 2]), label="tenders")
        source_code = draw(st.sampled_from(SOURCES), label="source")
        control = self.open_control(data, source_code)
        payor = draw(st.sampled_from([None, *self.accounts]), label="payor")
        tenders = [
            TenderIn(
                tender_type=tender_type(draw(st.sampled_from(TENDER_CODES), label="tender")),
                amount=part,
                payor_account=payor,
                tender_control=control,
                check_number="1001",
            )
            for part in split(draw, total, n_tenders)
        ]
        day = self.today - dt.timedelta(days=draw(days_back, label="days back"))
        what = (
            f"pay {[(p.account.pk, str(p.amount), bool(p.sa_amounts)) for p in payments]} "
            f"with {[(t.tender_type.code, str(t.amount)) for t in tenders]} payor "
            f"{payor.pk if payor else None} on {day} mode {mode} rule {rule_code} "
            f"source {source_code} control {control.pk if control else None}"
        )
        with self.refusable(what):
            event = payment_event_create(
                tender_source=source(source_code),
                payment_date=day,
                tenders=tenders,
                payments=payments,
                mode=mode,
            )
            made = list(event.payments.order_by("pk"))
            self.by_sa |= {m.pk for m, p in zip(made, payments, strict=True) if p.sa_amounts}
            if mode == DistributionMode.DISTRIBUTE_AND_FREEZE:
                self.overpayment_only_past_all_debt(made)

    @rule(data=st.data())
    def pay_by_check(self, data):
        """The everyday case: one check, ACH or card payment for one account, distributed
        and frozen, today or back-dated."""
        draw = data.draw
        account = draw(st.sampled_from(self.accounts), label="payee")
        amount = draw(amounts, label="amount")
        code = draw(st.sampled_from(["CHECK", "CASHIERS", "CARD", "ACH"]), label="tender")
        day = self.today - dt.timedelta(days=draw(days_back, label="days back"))
        with self.refusable(f"pay {amount} by {code} for account {account.pk} on {day}"):
            event = payment_event_create(
                tender_source=source("CASHIER"),
                payment_date=day,
                tenders=[TenderIn(tender_type=tender_type(code), amount=amount)],
                payments=[PaymentIn(account=account, amount=amount)],
            )
            self.overpayment_only_past_all_debt(event.payments.all())

    @rule(data=st.data())
    def post_bulk(self, data):
        """The bulk path (uploads, lockbox, autopay): 1-3 one-tender payments, back-dated
        or today, maybe from a payor, maybe into any drawer of the source (a balanced one
        must not take them)."""
        draw = data.draw
        source_code = draw(st.sampled_from(SOURCES), label="source")
        drawers = list(TenderControl.objects.filter(tender_source__code=source_code).order_by("pk"))
        items = []
        for _ in range(draw(st.integers(1, 3), label="items")):
            amount = draw(amounts, label="amount")
            day = self.today - dt.timedelta(days=draw(days_back, label="days back"))
            payor = draw(st.sampled_from([None, *self.accounts]), label="payor")
            drawer = draw(st.sampled_from([None, *drawers]), label="drawer")
            items.append(
                BulkPayment(
                    account_id=draw(st.sampled_from(self.accounts), label="payee").pk,
                    amount=amount,
                    tender_type_id=tender_type(
                        draw(st.sampled_from(TENDER_CODES), label="tender")
                    ).pk,
                    accounting_date=day,
                    payment_date=day,
                    payor_account_id=payor.pk if payor else None,
                    tender_control_id=drawer.pk if drawer else None,
                )
            )
        what = "post in bulk " + str(
            [(i.account_id, str(i.amount), i.payment_date, i.tender_control_id) for i in items]
        )
        with self.refusable(what):
            result = payments_post_bulk(items=items, tender_source=source(source_code))
            note(f"  bulk errors: {result.errors}")
            self.overpayment_only_past_all_debt(
                Payment.objects.filter(pk__in=result.frozen_ids).order_by("pk")
            )

    @precondition(lambda self: self.flag("pending"))
    @rule(data=st.data())
    def distribute_and_freeze(self, data):
        """A payment left by manual or do-not-distribute mode: (re)distributed, by rule
        or by SA, then frozen."""
        payment = self.pick(
            data,
            Payment.objects.filter(status__in=[Payment.Status.INCOMPLETE, Payment.Status.ERROR]),
            "pending payment",
        )
        redistribute = data.draw(st.booleans(), label="redistribute")
        by_sa = redistribute and data.draw(st.booleans(), label="by SA")
        sa_amounts = self.sa_amounts(data, payment.account, payment.amount) if by_sa else None
        with self.refusable(f"distribute ({redistribute}, by SA {by_sa}) and freeze {payment}"):
            with transaction.atomic():
                if redistribute or not payment.segments.exists():
                    payment = payment_distribute(payment=payment, sa_amounts=sa_amounts)
                payment = payment_freeze(payment=payment)
            if by_sa:
                self.by_sa.add(payment.pk)
            elif redistribute:
                self.by_sa.discard(payment.pk)
            self.overpayment_only_past_all_debt([payment])

    @rule(data=st.data())
    def cash_a_check(self, data):
        """Cash Check: a check tender and the cash handed back, no payment."""
        payor = data.draw(st.sampled_from(self.accounts), label="payor")
        source_code = data.draw(st.sampled_from(SOURCES), label="source")
        control = self.open_control(data, source_code)
        check = tender_type(data.draw(st.sampled_from(["CHECK", "CASHIERS"]), label="check"))
        amount = data.draw(amounts, label="amount")
        with self.refusable(f"cash a {check.code} of {amount} for account {payor.pk}"):
            check_cash(
                tender_source=source(source_code),
                check_type=check,
                amount=amount,
                payor_account=payor,
                check_number="2002",
                tender_control=control,
            )

    @precondition(lambda self: self.flag("frozen"))
    @rule(data=st.data())
    def cancel_payment(self, data):
        """The payment was wrong, the tender right: the event waits for a new payment."""
        payment = self.pick(data, Payment.objects.filter(status=Payment.Status.FROZEN), "payment")
        code = data.draw(st.sampled_from([*PAYMENT_REASONS, "NSF"]), label="reason")
        with self.refusable(f"cancel {payment} ({code})"):
            payment_cancel(payment=payment, reason=reason(code))
            assert code != "NSF", "an NSF reason cancelled a payment, not its tender"

    @precondition(lambda self: self.flag("cancelled"))
    @rule(data=st.data())
    def add_payment_to_tender(self, data):
        """seed 003 step 4.6: money left unapplied by a cancel goes to a new payment."""
        event = self.pick(
            data,
            PaymentEvent.objects.filter(payments__status=Payment.Status.CANCELLED).distinct(),
            "event",
        )
        tendered = event.tenders.filter(status=Tender.Status.VALID).aggregate(s=Sum("amount"))
        applied = event.payments.exclude(status=Payment.Status.CANCELLED).aggregate(s=Sum("amount"))
        left = (tendered["s"] or ZERO) - (applied["s"] or ZERO)
        amount = data.draw(
            st.sampled_from([left, (left / 2).quantize(D("0.01")), left + D("1.00")]),
            label="amount",
        )
        account = data.draw(st.sampled_from(self.accounts), label="account")
        mode = data.draw(st.sampled_from(MODES), label="mode")
        with self.refusable(f"add {amount} for account {account.pk} to {event} ({mode})"):
            payment = payment_add(
                event=event, payment=PaymentIn(account=account, amount=amount), mode=mode
            )
            if mode == DistributionMode.DISTRIBUTE_AND_FREEZE:
                self.overpayment_only_past_all_debt([payment])

    @precondition(lambda self: self.flag("frozen"))
    @rule(data=st.data())
    def transfer(self, data):
        """seed 003 steps 4.7/4.8: a frozen payment moved to 1-2 accounts."""
        payment = self.pick(data, Payment.objects.filter(status=Payment.Status.FROZEN), "payment")
        targets = data.draw(
            st.lists(
                st.sampled_from(self.accounts), min_size=1, max_size=2, unique_by=lambda a: a.pk
            ),
            label="targets",
        )
        parts = split(data.draw, payment.amount, len(targets))
        targets = targets[: len(parts)]
        if data.draw(st.integers(0, 9), label="mismatch") == 0:
            parts[0] += D("0.01")  # a total that does not match: refused
        mode = data.draw(
            st.sampled_from(
                [DistributionMode.DISTRIBUTE_AND_FREEZE, DistributionMode.DO_NOT_DISTRIBUTE]
            ),
            label="mode",
        )
        what = (
            f"transfer {payment} to {[(a.pk, str(p)) for a, p in zip(targets, parts, strict=True)]}"
        )
        with self.refusable(f"{what} ({mode})"):
            new = payment_transfer(
                payment=payment,
                reason=reason("WRONGACCT"),
                targets=[
                    PaymentIn(account=a, amount=p) for a, p in zip(targets, parts, strict=True)
                ],
                mode=mode,
            )
            if mode == DistributionMode.DISTRIBUTE_AND_FREEZE:
                self.overpayment_only_past_all_debt(new)

    @precondition(lambda self: self.flag("unfrozen_event"))
    @rule(data=st.data())
    def delete_event(self, data):
        """seed 003 step 2.3: an event none of whose payments was ever frozen."""
        event = self.pick(
            data,
            PaymentEvent.objects.exclude(
                payments__status__in=[Payment.Status.FROZEN, Payment.Status.CANCELLED]
            ),
            "event",
        )
        with self.refusable(f"delete {event}"):
            payment_event_delete(event=event)

    # ---- tenders: cancel, NSF, return ---------------------------------------------------

    def nsf_expectations(self, tender: Tender, code: str):
        """What an accepted NSF cancel must have done: returns a check run afterwards."""
        r = reason(code)
        event = tender.event
        fees_before = Adjustment.objects.filter(adjustment_type=r.fee_adjustment_type).count()
        credit_before = CreditRatingEvent.objects.count()
        payor_before = (
            Account.objects.get(pk=tender.payor_account_id).balance
            if tender.payor_account_id
            else None
        )

        def check(represented: Decimal = ZERO):
            """`represented`: what the bank presented again and paid the payor back."""
            assert tender.tender_type.category != TenderCategory.CASH, (
                f"issue 7 item 7: NSF reason {code} accepted on cash tender {tender.pk}"
            )
            fees = Adjustment.objects.filter(adjustment_type=r.fee_adjustment_type).count()
            assert fees > fees_before or not r.fee_amount, (
                f"issue 7 item 5: NSF of tender {tender.pk} charged {fees - fees_before} fees"
            )
            assert CreditRatingEvent.objects.count() > credit_before, (
                f"issue 7 item 5: NSF of tender {tender.pk} left no credit rating event"
            )
            if event.is_check_cashing and tender.amount > 0:
                payor_after = Account.objects.get(pk=tender.payor_account_id).balance
                owed = payor_before + tender.amount + r.fee_amount - represented
                assert payor_after >= owed, (
                    f"issue 7 item 1: cashed check {tender.pk} of {tender.amount} returned NSF "
                    f"but its payor's balance went from {payor_before} to {payor_after}"
                )

        return check

    @precondition(lambda self: self.flag("valid_tender"))
    @rule(data=st.data())
    def cancel_tender(self, data):
        """seed 003 steps 4.1-4.4: the money failed (NSF) or the tender was keyed wrong."""
        tender = self.pick(data, Tender.objects.filter(status=Tender.Status.VALID), "tender")
        code = data.draw(st.sampled_from(TENDER_REASONS), label="reason")
        nsf = reason(code).is_nsf
        if nsf and tender.amount < 0:
            code, nsf = "KEYERR", False  # the cash handed out is not returned by a bank
        expect = self.nsf_expectations(tender, code) if nsf else None
        with self.refusable(f"cancel {tender} ({tender.tender_type.code}, {code})"):
            tender_cancel(tender=tender, reason=reason(code))
            if expect:
                expect()

    @precondition(lambda self: self.flag("positive_tender"))
    @rule(data=st.data())
    def return_tender(self, data):
        """A returned payment in one step, re-presented by the bank or not."""
        tender = self.pick(
            data,
            Tender.objects.filter(status=Tender.Status.VALID, amount__gt=0),
            "tender",
        )
        code = data.draw(st.sampled_from(NSF_REASONS), label="reason")
        represent = data.draw(st.booleans(), label="represent")
        day = self.today - dt.timedelta(days=data.draw(days_back, label="days back"))
        expect = self.nsf_expectations(tender, code)
        funded_alone = (
            not tender.event.tenders.exclude(pk=tender.pk).exists()
            and tender.event.payments.filter(status=Payment.Status.FROZEN).aggregate(
                s=Sum("amount")
            )["s"]
            == tender.amount
        )
        what = f"return {tender} ({tender.tender_type.code}, {code}), represent {represent} {day}"
        with self.refusable(what):
            outcome = tender_return(
                tender=tender, reason=reason(code), represent=represent, represent_date=day
            )
            # A returned cashed check presented again pays its payor's charge back.
            expect(represented=tender.amount if outcome.representment else ZERO)
            if outcome.representment:
                self.overpayment_only_past_all_debt(outcome.representment.payments.all())
        if represent and funded_alone and tender.tender_type.category in NSF_CATEGORIES:
            tender.refresh_from_db()
            assert tender.status == Tender.Status.CANCELLED, (
                f"issue 7 item 3: the return of {tender} with re-presentment was not recorded"
            )

    # ---- controls -----------------------------------------------------------------------

    @precondition(lambda self: not self.flag("open_deposit"))
    @rule(data=st.data())
    def open_controls(self, data):
        """A deposit control with a drawer (tender control) per source."""
        codes = data.draw(
            st.lists(st.sampled_from(SOURCES), min_size=1, max_size=2, unique=True),
            label="sources",
        )
        with self.refusable(f"open a deposit with drawers {codes}"):
            deposit = deposit_control_create(deposit_date=self.today)
            for code in codes:
                tender_control_open(deposit_control=deposit, tender_source=source(code))

    @precondition(lambda self: self.flag("unbalanced_drawer"))
    @rule(data=st.data())
    def balance_tender_control(self, data):
        """The drawer counted: right (balances) or off by one cent (stays Balancing)."""
        control = self.pick(
            data,
            TenderControl.objects.filter(status__in=[ControlStatus.OPEN, ControlStatus.BALANCING]),
            "tender control",
        )
        valid = control.tenders.filter(status=Tender.Status.VALID)
        total = valid.aggregate(s=Sum("amount"))["s"] or ZERO
        if data.draw(st.booleans(), label="miscounted"):
            total += D("0.01")
        with self.refusable(f"balance {control} at {valid.count()} / {total}"):
            outcome = tender_control_balance(
                tender_control=control, counted_count=valid.count(), counted_total=total
            )
            if outcome.balanced:
                self.balanced[("tender", control.pk)] = set(
                    control.tenders.values_list("pk", flat=True)
                )

    @precondition(lambda self: self.flag("balancing"))
    @rule(data=st.data())
    def reopen_control(self, data):
        controls = [
            *TenderControl.objects.filter(status=ControlStatus.BALANCING).order_by("pk"),
            *DepositControl.objects.filter(status=ControlStatus.BALANCING).order_by("pk"),
        ]
        control = data.draw(st.sampled_from(controls), label="control")
        with self.refusable(f"reopen {control}"):
            control_reopen(control=control)

    @precondition(lambda self: self.flag("unbalanced_deposit"))
    @rule(data=st.data())
    def balance_deposit(self, data):
        deposit = self.pick(
            data, DepositControl.objects.exclude(status=ControlStatus.BALANCED), "deposit"
        )
        with self.refusable(f"balance {deposit}"):
            outcome = deposit_control_balance(deposit_control=deposit)
            if outcome.balanced:
                self.balanced[("deposit", deposit.pk)] = set(
                    Tender.objects.filter(tender_control__deposit_control=deposit).values_list(
                        "pk", flat=True
                    )
                )

    # ---- invariants ---------------------------------------------------------------------

    @invariant()
    def ledger_is_clean(self):
        if not self.accounts:
            return
        breaches = [f"{b.check}: {b.record}: {b.detail}" for b in ledger_breaches()]
        assert breaches == [], "check_ledger reports:\n" + "\n".join(breaches)

    @invariant()
    def balances_are_the_ft_sums_and_the_gl_is_zero(self):
        if not self.accounts:
            return
        accounts, sas, gl_total = sql_row(_SUMS_SQL)
        assert accounts is None, f"cached account balances are not their FT sums: {accounts}"
        assert sas is None, f"cached SA balances are not their FT sums: {sas}"
        assert gl_total == 0, f"the GL lines sum to {gl_total}"

    @invariant()
    def balanced_controls_keep_their_tenders(self):
        """Issue 7 item 4: no tender joins or leaves a balanced control."""
        for (kind, pk), held in self.balanced.items():
            if kind == "tender":
                status = TenderControl.objects.get(pk=pk).status
                now = set(Tender.objects.filter(tender_control_id=pk).values_list("pk", flat=True))
            else:
                status = DepositControl.objects.get(pk=pk).status
                now = set(
                    Tender.objects.filter(tender_control__deposit_control_id=pk).values_list(
                        "pk", flat=True
                    )
                )
            if status == ControlStatus.BALANCED:
                assert now == held, (
                    f"issue 7 item 4: balanced {kind} control {pk} held tenders {sorted(held)}"
                    f" and now holds {sorted(now)}"
                )


def machine_settings() -> settings:
    """Bounded: 20 examples of up to 20 steps. A failure is reported without
    shrinking, with the full step list and what each step did, so even a failing run stays
    short; set OPENCIS_TEST_SHRINK=1 to shrink it (minutes), OPENCIS_TEST_EXAMPLES=200 to
    search longer."""
    shrink = os.environ.get("OPENCIS_TEST_SHRINK") == "1"
    return settings(
        max_examples=int(os.environ.get("OPENCIS_TEST_EXAMPLES", "20")),
        stateful_step_count=20,
        deadline=None,
        phases=[p for p in Phase if shrink or p != Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@pytest.mark.django_db
def test_ledger_stays_clean_under_random_payment_activity(pay_ref, settings):
    """Any interleaving of the payment services on several accounts keeps the ledger
    clean and every refusal a no-op (see the module docstring for what is checked)."""
    settings.OPENCIS_CASH_ONLY_THRESHOLD = CASH_ONLY_THRESHOLD
    run_state_machine_as_test(LedgerMachine, settings=machine_settings())


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["the check", "the cash handed back"])
def test_cancelling_one_tender_of_a_cashed_check_keeps_the_event_balanced(pay_ref, which):
    """Found by the machine: the non-NSF twin of issue 7 item 1. A cashed check is a check
    tender and an equal negative cash tender with no payment; a CSR who cancels one of the
    two (keyed in error) must not leave an event whose tenders no longer balance. Refusing
    or cancelling both is fine; an unbalanced event is not."""
    account, _ = account_with("WATER")
    event = check_cash(
        tender_source=source(),
        check_type=tender_type("CHECK"),
        amount=D("100.00"),
        payor_account=account,
    )
    category = TenderCategory.CHECK if which == "the check" else TenderCategory.CASH
    tender = event.tenders.get(tender_type__category=category)
    with suppress(PaymentError):  # a refusal keeps the event as it was
        tender_cancel(tender=tender, reason=reason("KEYERR"))
    assert [f"{b.check}: {b.detail}" for b in ledger_breaches()] == []
