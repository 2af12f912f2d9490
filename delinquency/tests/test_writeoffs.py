"""Write-offs (issue 13 item 4; seed 003 steps 2.5, 3.3; README "Write-offs"): writing off a
final balance, eligibility, recovery by a later payment (partial, over, twice delivered),
a cancelled recovering payment, and check_ledger clean throughout."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum

from accounts.ledger_checks import ledger_breaches
from accounts.models import AdjustmentType, FinancialTransaction, GLLine, ServiceAgreement
from accounts.services.adjustments import adjustment_create
from accounts.tests.factories import AccountFactory
from delinquency.models import WriteOff, WriteOffRecovery
from delinquency.services.writeoffs import (
    WriteOffError,
    payments_recover,
    writeoff_account,
)
from payments.reference import reference_data_load as payments_reference_load
from payments.services.cancel import payment_cancel, tender_cancel
from payments.tests.factories import bill, pay, reason, sa_add

D = Decimal
ZERO = D("0.00")
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def pay_ref(reference_data):
    payments_reference_load()


def final_account(*amounts: str, stopped=True):
    """An account with one SA per amount (WATER, SEWER, TRASH), billed those amounts and
    stopped: a final balance."""
    account = AccountFactory()
    codes = ["WATER", "SEWER", "TRASH"][: len(amounts)]
    sas = [sa_add(account, code) for code in codes]
    bill(account, dict(zip(sas, amounts, strict=True)))
    if stopped:
        ServiceAgreement.objects.filter(account=account).update(
            status=ServiceAgreement.Status.STOPPED, end_date=dt.date(2026, 1, 31)
        )
    account.refresh_from_db()
    return account, sas


def balances(account):
    account.refresh_from_db()
    return account.balance, {
        sa.sa_type.code: sa.balance for sa in account.agreements.select_related("sa_type")
    }


def clean():
    return list(ledger_breaches()) == []


def write_off(account, supervisor, refer=True):
    return writeoff_account(
        account=account,
        user=supervisor,
        reason="Moved away, no forwarding address",
        refer_to_collections=refer,
        on=DAY,
    )


def pay_now(account, amount, django_capture_on_commit_callbacks, **kw):
    """A payment frozen with its `payment_frozen` delivered (after commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        return pay(account, amount, day=dt.date(2026, 3, 10), **kw)


def test_write_off_credits_each_sa_to_bad_debt(pay_ref, supervisor):
    account, (water, sewer) = final_account("60.00", "40.00")
    w = write_off(account, supervisor)
    assert w.amount == D("100.00") and w.recovered == ZERO
    assert w.refer_to_collections and w.referred_on == DAY and w.created_by == supervisor
    assert {(line.sa_id, line.amount) for line in w.lines.all()} == {
        (water.pk, D("60.00")),
        (sewer.pk, D("40.00")),
    }
    assert balances(account) == (ZERO, {"WATER": ZERO, "SEWER": ZERO})
    # each FT: the SA's receivable credited, 6100 Bad debt expense debited
    for line in w.lines.select_related("ft"):
        assert line.ft.current_amount == -line.amount
        assert line.ft.kind == FinancialTransaction.Kind.ADJUSTMENT
        gl = dict(GLLine.objects.filter(ft=line.ft).values_list("gl_account__code", "amount"))
        assert gl == {"1100": -line.amount, "6100": line.amount}
    account.refresh_from_db()
    assert account.is_bad_debt and account.in_collections
    assert clean()


def test_write_off_without_referral_leaves_collections_unset(pay_ref, supervisor):
    account, _ = final_account("25.00")
    w = write_off(account, supervisor, refer=False)
    account.refresh_from_db()
    assert account.is_bad_debt and not account.in_collections
    assert w.referred_on is None


def test_eligibility_refusals(pay_ref, supervisor, csr):
    active, _ = final_account("50.00", stopped=False)
    with pytest.raises(WriteOffError, match="only a final balance"):
        write_off(active, supervisor)
    paid, _ = final_account("50.00")
    pay(paid, "50.00", day=dt.date(2026, 1, 20))
    with pytest.raises(WriteOffError, match="owes nothing"):
        write_off(paid, supervisor)
    credit, (_water, sewer) = final_account("50.00", "30.00")
    # a credit beside the debt is refused (it would be paid out once the debt is gone)
    adjustment_create(
        sa=sewer, adjustment_type=AdjustmentType.objects.get(code="CREDIT"), amount=D("-45.00")
    )
    with pytest.raises(WriteOffError, match="apply the credit"):
        write_off(credit, supervisor)
    # an open excess-credit SA is no service: it doesn't stop a write-off (at zero)
    with_excess, _ = final_account("15.00")
    sa_add(with_excess, "EXCESS")
    assert write_off(with_excess, supervisor).amount == D("15.00")
    ok, _ = final_account("10.00")
    with pytest.raises(PermissionDenied):
        write_off(ok, csr)
    with pytest.raises(WriteOffError, match="reason"):
        writeoff_account(account=ok, user=supervisor, reason=" ", refer_to_collections=False)
    assert list(WriteOff.objects.values_list("account", flat=True)) == [with_excess.pk]
    assert clean()


def test_partial_recovery(pay_ref, supervisor, django_capture_on_commit_callbacks):
    account, _ = final_account("60.00", "40.00")
    w = write_off(account, supervisor)
    payment = pay_now(account, "30.00", django_capture_on_commit_callbacks)
    w.refresh_from_db()
    assert w.recovered == D("30.00") and w.remaining == D("70.00")
    # the oldest SA first: water's 60.00 gets the 30.00 back, sewer stays written off
    assert {line.sa.sa_type.code: line.recovered for line in w.lines.all()} == {
        "WATER": D("30.00"),
        "SEWER": ZERO,
    }
    balance, by_sa = balances(account)
    assert balance == ZERO
    assert all(v == ZERO for v in by_sa.values()), by_sa
    account.refresh_from_db()
    assert account.is_bad_debt  # 70.00 still written off
    recovery = WriteOffRecovery.objects.get()
    assert recovery.payment == payment and recovery.amount == D("30.00")
    # the GL: 6110 Bad debt recovered credited 30.00 net
    gl = GLLine.objects.filter(ft__in=recovery.fts.all(), gl_account__code="6110")
    assert gl.aggregate(s=Sum("amount"))["s"] == D("-30.00")
    assert clean()


def test_over_recovery_keeps_the_excess_as_credit(
    pay_ref, supervisor, django_capture_on_commit_callbacks
):
    account, _ = final_account("60.00", "40.00")
    w = write_off(account, supervisor)
    pay_now(account, "150.00", django_capture_on_commit_callbacks)
    w.refresh_from_db()
    assert w.recovered == D("100.00") and w.remaining == ZERO
    balance, by_sa = balances(account)
    assert balance == D("-50.00")
    assert by_sa["WATER"] == ZERO and by_sa["SEWER"] == ZERO
    assert by_sa["EXCESS"] == D("-50.00")
    # fully recovered: no longer Bad Debt; the collections referral stays on record
    account.refresh_from_db()
    assert not account.is_bad_debt and account.in_collections
    assert clean()


def test_duplicate_signal_applies_a_payment_once(
    pay_ref, supervisor, django_capture_on_commit_callbacks
):
    account, _ = final_account("100.00")
    w = write_off(account, supervisor)
    payment = pay_now(account, "30.00", django_capture_on_commit_callbacks)
    again = payments_recover(payment_ids=[payment.pk], account_ids=[account.pk])
    assert again == []
    w.refresh_from_db()
    assert w.recovered == D("30.00")
    assert WriteOffRecovery.objects.count() == 1
    assert balances(account)[0] == ZERO
    assert clean()


def test_payment_before_the_write_off_recovers_nothing(pay_ref, supervisor):
    account, _ = final_account("100.00")
    early = pay(account, "20.00", day=dt.date(2026, 1, 20))
    w = write_off(account, supervisor)
    assert w.amount == D("80.00")
    assert payments_recover(payment_ids=[early.pk], account_ids=[account.pk]) == []
    assert clean()


def test_cancelled_recovering_payment_writes_the_debt_off_again(
    pay_ref, supervisor, django_capture_on_commit_callbacks
):
    account, _ = final_account("60.00", "40.00")
    w = write_off(account, supervisor)
    payment = pay_now(account, "30.00", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        payment_cancel(payment=payment, reason=reason("KEYERR"))
    w.refresh_from_db()
    assert w.recovered == ZERO and w.remaining == D("100.00")
    recovery = WriteOffRecovery.objects.get()
    assert recovery.cancelled_at is not None
    balance, by_sa = balances(account)
    assert balance == ZERO and all(v == ZERO for v in by_sa.values()), by_sa
    assert clean()
    # a new payment recovers again
    pay_now(account, "10.00", django_capture_on_commit_callbacks)
    w.refresh_from_db()
    assert w.recovered == D("10.00")
    assert clean()


def test_nsf_return_of_a_recovering_check(pay_ref, supervisor, django_capture_on_commit_callbacks):
    account, _ = final_account("100.00")
    w = write_off(account, supervisor)
    payment = pay_now(account, "100.00", django_capture_on_commit_callbacks, tender="CHECK")
    account.refresh_from_db()
    assert not account.is_bad_debt  # recovered in full
    with django_capture_on_commit_callbacks(execute=True):
        tender_cancel(tender=payment.event.tenders.get(), reason=reason("NSF"))
    w.refresh_from_db()
    assert w.recovered == ZERO
    # the returned check's debt is written off again: nothing owed, no credit left either
    balance, by_sa = balances(account)
    assert balance == ZERO and all(v == ZERO for v in by_sa.values()), by_sa
    assert WriteOffRecovery.objects.get().cancelled_at is not None
    account.refresh_from_db()
    assert account.is_bad_debt  # written off again
    assert clean()


def test_batch_writes_off_old_final_balances_once(pay_ref, policy):
    from cis.batch import batch_run

    policy.writeoff_days_after_final = 60
    policy.writeoff_refers_to_collections = True
    policy.save()
    old, _ = final_account("80.00")  # service ended 2026-01-31
    young, _ = final_account("20.00")
    ServiceAgreement.objects.filter(account=young).update(end_date=dt.date(2026, 3, 15))
    active, _ = final_account("30.00", stopped=False)
    run = batch_run(job_name="delinquency_writeoffs", business_date=dt.date(2026, 4, 1))
    assert run.status == "complete" and run.money == D("80.00")
    w = WriteOff.objects.get()
    assert w.account == old and w.amount == D("80.00") and w.created_by is None
    assert w.refer_to_collections and w.referred_on == dt.date(2026, 4, 1)
    assert w.batch_run == run
    assert balances(young)[0] == D("20.00") and balances(active)[0] == D("30.00")
    again = batch_run(
        job_name="delinquency_writeoffs", business_date=dt.date(2026, 4, 1), force=True
    )
    assert again.total == 0 and WriteOff.objects.count() == 1
    assert clean()


def test_batch_selects_nothing_without_configured_days(pay_ref, policy):
    from delinquency.jobs.writeoffs import writeoff_candidates

    final_account("80.00")
    assert not writeoff_candidates(dt.date(2027, 1, 1)).exists()


HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def panel_ref(pay_ref):
    from delinquency.reference import reference_data_load as delinquency_load
    from serviceorders.reference import reference_data_load as serviceorders_load

    serviceorders_load()
    delinquency_load()


def test_supervisor_writes_off_on_the_credit_tab_and_the_dashboard_shows_it(
    client, panel_ref, supervisor
):
    from django.urls import reverse

    account, _ = final_account("60.00", "40.00")
    client.force_login(supervisor)
    before = client.get(reverse("acp:panel", args=[account.number])).content.decode()
    assert 'data-icon="bad_debt"' not in before and 'data-icon="collections"' not in before
    tab = client.get(reverse("acp:tab", args=[account.number, "credit"]), **HX)
    assert 'id="writeoff-form"' in tab.content.decode()
    response = client.post(
        reverse("credit:writeoff", args=[account.number]),
        {"wo-reason": "Skipped town", "wo-refer_to_collections": "on"},
        **HX,
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "acp-changed"
    html = response.content.decode()
    assert "Written off $100.00." in html
    assert 'data-collections="yes"' in html and "Skipped town" in html
    w = WriteOff.objects.get(account=account)
    assert w.amount == D("100.00") and w.created_by == supervisor
    panel = client.get(reverse("acp:panel", args=[account.number])).content.decode()
    assert 'data-icon="bad_debt"' in panel and 'data-icon="collections"' in panel
    # now nothing is left to write off: the form gives way to the reason
    again = client.post(
        reverse("credit:writeoff", args=[account.number]), {"wo-reason": "again"}, **HX
    )
    assert again.status_code == 422 and "owes nothing" in again.content.decode()
    assert WriteOff.objects.count() == 1
    assert clean()


def test_a_csr_sees_write_offs_but_cannot_write_off(client, panel_ref, csr):
    from django.urls import reverse

    account, _ = final_account("60.00")
    client.force_login(csr)
    tab = client.get(reverse("acp:tab", args=[account.number, "credit"]), **HX)
    assert 'id="writeoff-form"' not in tab.content.decode()
    response = client.post(
        reverse("credit:writeoff", args=[account.number]), {"wo-reason": "x"}, **HX
    )
    assert response.status_code == 403
    assert not WriteOff.objects.exists()


def test_write_offs_report_rows_in_html_csv_and_pdf(
    client, panel_ref, supervisor, csr, django_capture_on_commit_callbacks
):
    from delinquency.tests.test_reports import all_formats

    recovered, _ = final_account("60.00", "40.00")
    write_off(recovered, supervisor)
    pay_now(recovered, "30.00", django_capture_on_commit_callbacks)
    plain, _ = final_account("25.00")
    writeoff_account(
        account=plain, user=supervisor, reason="Deceased", refer_to_collections=False, on=DAY
    )
    client.force_login(csr)
    head, rows, pdf = all_formats(client, "write-offs", sort="account")
    assert head == [
        "Date",
        "Account",
        "Customer",
        "Written off",
        "Recovered",
        "Remaining",
        "Collections referral",
        "Referred on",
        "Reason",
    ]
    by_account = {r[1]: r for r in rows}
    assert by_account[recovered.number][3:8] == ["100.00", "30.00", "70.00", "Yes", "2026-03-02"]
    assert by_account[plain.number][3:9] == ["25.00", "0.00", "25.00", "No", "", "Deceased"]
    assert by_account[plain.number][0] == "2026-03-02"
    assert by_account[plain.number][2] == plain.customer.display_name
    assert "Write-offs" in pdf and recovered.number in pdf and "70.00" in pdf
    _, only_referred, _ = all_formats(client, "write-offs", referred="yes")
    assert [r[1] for r in only_referred] == [recovered.number]
