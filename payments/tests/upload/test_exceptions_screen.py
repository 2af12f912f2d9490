"""The CSR's upload exceptions screen (issue 9 item 5; seed 003 steps 7.4-8.3): list and
filter exceptions, correct a payment line and set it Pending (audited, its To Do entry
completed), the next run posts it once; re-check a tender group; transfer a payment out
of suspense."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings

from accounts.ledger_checks import ledger_breaches
from accounts.models import ChangeRecord, ToDoEntry
from accounts.panel import todo_source_link
from accounts.tests.factories import AccountFactory
from cis.roles import ADMINISTRATOR, CSR, SUPERVISOR
from payments.models import (
    Payment,
    PaymentStaging,
    StagingStatus,
    TenderStaging,
    UploadException,
)
from payments.tests.factories import sa_add

from . import staging
from .worklist import BAD_AMOUNT, GOOD, UNKNOWN, billed, frozen, nightly, problem_file, today

URL = "/acp/uploads/exceptions/"
pytestmark = pytest.mark.usefixtures("pay_ref")


@pytest.fixture
def login(client, django_user_model):
    def as_role(role: str | None, name: str = ""):
        user = django_user_model.objects.create_user(
            name or f"u-{role}", password="pw-Long-enough-1"
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return user

    return as_role


@pytest.fixture
def accounts():
    return {n: billed(n) for n in (GOOD, BAD_AMOUNT)}


@pytest.fixture
def night(accounts):
    """One file imported and uploaded: line 1 posted, lines 2 and 3 in Error, one To Do
    entry each."""
    upload = problem_file()
    nightly()
    return upload


def exception_of(account_reference: str) -> UploadException:
    return UploadException.objects.get(
        payment_staging__account_reference=account_reference, resolved_at__isnull=True
    )


def table(response) -> str:
    """The list itself (the filters' choices name files too)."""
    page = response.content.decode()
    return page[page.index('id="upload-exceptions"') :]


def rows(response) -> int:
    return len(re.findall(r'id="upx-\d+"', response.content.decode()))


def correct(client, exc, **data):
    line = exc.payment_staging
    form = {
        "account_number": "",
        "amount": str(line.amount or ""),
        "accounting_date": (line.accounting_date or line.payment_date or today()).isoformat(),
        "comment": "",
        **data,
    }
    return client.post(f"{URL}{exc.pk}/correct/", form)


# The list -----------------------------------------------------------------------------


def test_csr_sees_open_exceptions_and_resolved_ones_on_request(client, login, night):
    login(CSR)
    page = client.get(URL).content.decode()
    assert "line 3: amount" in page and "4444444444" in page
    resolved = exception_of(UNKNOWN)
    resolved.resolved_at = resolved.created_at
    resolved.save()
    open_page = client.get(URL).content.decode()
    assert "line 3: amount" in open_page and f'id="upx-{resolved.pk}"' not in open_page
    resolved_page = client.get(URL, {"view": "resolved"}).content.decode()
    assert f'id="upx-{resolved.pk}"' in resolved_page and "line 3: amount" not in resolved_page


def test_filters_by_file_date_and_reason(client, login, accounts):
    first = problem_file("first.csv")
    other = staging.upload([{"amount": None, "amount_text": "x", "status": "error"}])
    other_line = PaymentStaging.objects.get(tender_staging__deposit_staging__upload_file=other)
    old = UploadException.objects.create(
        payment_staging=other_line,
        reason="bad_amount",
        message="line 1: old file",
        created_at=dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC),
    )
    nightly()  # first.csv's unknown account raises its exception tonight
    login(CSR)

    by_file = table(client.get(URL, {"file": first.pk}))
    assert "first.csv" in by_file and "old file" not in by_file
    by_date = table(client.get(URL, {"date": "2026-01-05"}))
    assert f'id="upx-{old.pk}"' in by_date and "first.csv" not in by_date
    by_reason = table(client.get(URL, {"reason": "no_suspense"}))
    assert UNKNOWN in by_reason and "line 3: amount" not in by_reason


def test_pages_of_25(client, login, accounts):
    lines = [{"amount": None, "amount_text": "x", "status": "error"} for _ in range(27)]
    upload = staging.upload(lines)
    UploadException.objects.bulk_create(
        UploadException(payment_staging=line, reason="bad_amount", message=f"row {line.pk}")
        for line in PaymentStaging.objects.filter(
            tender_staging__deposit_staging__upload_file=upload
        )
    )
    login(CSR)
    first, second = client.get(URL), client.get(URL, {"page": 2})
    assert rows(first) == 25 and rows(second) == 2
    assert "27 rows · page 1 of 2" in first.content.decode()


def test_a_user_without_a_role_may_not_look(client, login, night):
    login(None, "nobody")
    assert client.get(URL).status_code == 403
    exc = exception_of(UNKNOWN)
    assert client.get(f"{URL}{exc.pk}/").status_code == 403
    assert correct(client, exc, account_number=GOOD).status_code == 403


# Correcting a line ----------------------------------------------------------------------


def test_csr_corrects_the_account_and_the_next_run_posts_it_once(client, login, night, accounts):
    """The unknown account is corrected: audited with old and new values and the user,
    the exception resolved, its To Do entry completed, the line Pending; the next run of
    the same date (--force) posts it once, a further run posts nothing more."""
    user = login(CSR)
    exc = exception_of(UNKNOWN)
    line = exc.payment_staging
    assert ToDoEntry.objects.filter(source=f"payments.PaymentStaging:{line.pk}").count() == 1

    # when
    response = correct(client, exc, account_number=GOOD, comment="Stub says 1000000001")

    # then
    assert response.status_code == 302
    line.refresh_from_db()
    exc.refresh_from_db()
    assert line.status == StagingStatus.PENDING and line.account == accounts[GOOD]
    assert line.account_reference == UNKNOWN  # what the file said is kept
    assert exc.resolved_by == user and exc.resolved_at is not None
    todo = ToDoEntry.objects.get(source=f"payments.PaymentStaging:{line.pk}")
    assert todo.status == ToDoEntry.Status.COMPLETE and todo.completed_by == user
    assert todo.log.filter(text="Stub says 1000000001").exists()
    history = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(PaymentStaging), object_id=line.pk
    )
    assert {(c.field, c.old_value, c.new_value, c.user) for c in history} >= {
        ("account", "", GOOD, user),
        ("status", "Error", "Pending", user),
    }
    assert frozen(accounts[GOOD]) == [D("10.00")]

    nightly(force=True)
    nightly(force=True)

    assert frozen(accounts[GOOD]) == [D("10.00"), D("25.00")]
    line.refresh_from_db()
    assert line.status == StagingStatus.COMPLETE and line.payment.account == accounts[GOOD]
    tender = line.tender_staging
    assert tender.status == StagingStatus.IN_PROGRESS  # line 3 is still in Error
    assert list(ledger_breaches()) == []


def test_the_bad_amount_is_corrected_and_the_whole_file_completes(client, login, night, accounts):
    login(CSR)
    correct(client, exception_of(UNKNOWN), account_number=GOOD)
    response = correct(client, exception_of(BAD_AMOUNT), amount="10.00")
    assert response.status_code == 302

    nightly(force=True)

    assert frozen(accounts[BAD_AMOUNT]) == [D("10.00")]
    assert not UploadException.objects.filter(resolved_at__isnull=True).exists()
    night.refresh_from_db()
    assert night.status == "complete"
    assert TenderStaging.objects.get(deposit_staging__upload_file=night).status == "complete"
    assert list(ledger_breaches()) == []


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e3", "Enter a plain decimal number"),
        ("1,000", "Enter a plain decimal number"),
        ("0", "greater than or equal to 0.01"),
        ("-5", "greater than or equal to 0.01"),
        ("99999999", "more than the largest amount"),
    ],
)
def test_a_bad_amount_is_refused_and_nothing_changes(client, login, night, amount, message):
    login(CSR)
    exc = exception_of(BAD_AMOUNT)
    response = correct(client, exc, amount=amount)
    assert response.status_code == 422
    assert message in response.content.decode()
    exc.refresh_from_db()
    assert exc.resolved_at is None and exc.payment_staging.status == StagingStatus.ERROR
    assert not ChangeRecord.objects.exists()


def test_an_unknown_and_a_private_account_get_the_same_answer(client, login, night):
    billed("1000000077", is_public=False)
    login(CSR)
    exc = exception_of(UNKNOWN)
    unknown = correct(client, exc, account_number="1000000099")
    private = correct(client, exc, account_number="1000000077")
    assert unknown.status_code == private.status_code == 422

    def answer(response, number):
        page = response.content.decode()
        form = page[page.index('id="upx-correct"') : page.index("</form>")]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", form).replace(number, "N")

    assert "There is no account 1000000099." in unknown.content.decode()
    assert answer(private, "1000000077") == answer(unknown, "1000000099")
    exc.refresh_from_db()
    assert exc.resolved_at is None


def test_an_administrator_may_correct_to_a_private_account(client, login, night):
    private = billed("1000000077", is_public=False)
    login(ADMINISTRATOR)
    exc = exception_of(UNKNOWN)
    assert correct(client, exc, account_number="1000000077").status_code == 302
    exc.payment_staging.refresh_from_db()
    assert exc.payment_staging.account == private


def test_a_csr_does_not_see_a_private_accounts_exception(client, login, accounts):
    private = billed("1000000077", is_public=False)
    upload = staging.upload(
        [
            {
                "account": private,
                "account_reference": private.number,
                "amount": None,
                "amount_text": "x",
                "status": "error",
            }
        ]  # fmt: skip
    )
    line = PaymentStaging.objects.get(tender_staging__deposit_staging__upload_file=upload)
    exc = UploadException.objects.create(payment_staging=line, reason="bad_amount", message="m")
    login(CSR)
    assert f'id="upx-{exc.pk}"' not in client.get(URL).content.decode()
    assert client.get(f"{URL}{exc.pk}/").status_code == 404


@pytest.mark.parametrize("days", [-800, 400])
def test_a_date_outside_the_business_window_is_refused(client, login, night, days):
    login(CSR)
    exc = exception_of(UNKNOWN)
    day = today() + dt.timedelta(days=days)
    response = correct(client, exc, account_number=GOOD, accounting_date=day.isoformat())
    assert response.status_code == 422
    assert "(the business date window)" in response.content.decode()
    exc.refresh_from_db()
    assert exc.resolved_at is None


def test_a_closed_account_is_refused(client, login, night):
    AccountFactory(number="1000000055", activity_status="final")
    login(CSR)
    response = correct(client, exception_of(UNKNOWN), account_number="1000000055")
    assert response.status_code == 422
    assert "Account 1000000055 is closed" in response.content.decode()


def test_never_two_open_exceptions_for_one_line(client, login, night, accounts):
    """A fix submitted twice is refused the second time; a line that fails again on the
    next run gets one new exception (and one new To Do entry), the old stays resolved."""
    login(CSR)
    exc = exception_of(UNKNOWN)
    line = exc.payment_staging
    assert correct(client, exc, account_number=GOOD).status_code == 302
    again = correct(client, exc, account_number=GOOD)
    assert again.status_code == 422 and "already resolved" in again.content.decode()

    # the account closes before the night runs: with no suspense, the line fails again
    accounts[GOOD].activity_status = "final"
    accounts[GOOD].save(update_fields=["activity_status"])
    nightly(force=True)

    exceptions = UploadException.objects.filter(payment_staging=line)
    assert exceptions.count() == 2
    assert exceptions.filter(resolved_at__isnull=True).count() == 1
    todos = ToDoEntry.objects.filter(source=f"payments.PaymentStaging:{line.pk}")
    assert todos.exclude(status="complete").count() == 1


def test_a_line_whose_to_do_another_csr_is_working_is_theirs_to_fix(
    client, login, night, django_user_model
):
    """The To Do rule holds here too: only the assignee or a supervisor completes an entry
    someone else has, so the fix is refused whole (nothing changed) for another CSR."""
    from accounts.services.work import todo_assign

    exc = exception_of(UNKNOWN)
    dana = django_user_model.objects.create_user("dana")
    dana.groups.add(Group.objects.get(name=CSR))
    todo = ToDoEntry.objects.get(source=f"payments.PaymentStaging:{exc.payment_staging_id}")
    todo_assign(todo=todo, user=dana)
    login(CSR)

    response = correct(client, exc, account_number=GOOD)

    assert response.status_code == 422
    assert "only they or a supervisor can complete it" in response.content.decode()
    exc.refresh_from_db()
    exc.payment_staging.refresh_from_db()
    assert exc.resolved_at is None and exc.payment_staging.status == StagingStatus.ERROR
    assert not ChangeRecord.objects.exists()


def test_a_tender_group_whose_totals_disagreed_is_checked_again(client, login, accounts):
    upload = staging.upload(
        [{"account": accounts[GOOD], "account_reference": GOOD, "amount": "10.00"}],
        tender_count=1,
        tender_total=D("12.00"),
        day=today() - dt.timedelta(days=1),
    )
    nightly()
    exc = UploadException.objects.get(reason="totals")
    login(SUPERVISOR)
    assert "Set Pending" in client.get(f"{URL}{exc.pk}/").content.decode()

    # the bank confirms 10.00: the declared total is fixed in the admin, then re-checked
    TenderStaging.objects.filter(pk=exc.tender_staging_id).update(expected_total=D("10.00"))
    assert client.post(f"{URL}{exc.pk}/recheck/", {"comment": "bank: 10.00"}).status_code == 302
    nightly(force=True)

    exc.refresh_from_db()
    assert exc.resolved_at is not None
    assert frozen(accounts[GOOD]) == [D("10.00")]
    upload.refresh_from_db()
    assert upload.status == "complete"
    assert list(ledger_breaches()) == []


def test_the_to_do_entry_opens_the_exception(client, login, night):
    user = login(CSR)
    exc = exception_of(UNKNOWN)
    link = todo_source_link(user, f"payments.PaymentStaging:{exc.payment_staging_id}")
    assert link.url == f"{URL}{exc.pk}/"
    home = client.get("/").content.decode()
    assert "2</strong> open upload exceptions" in home


# Suspense -------------------------------------------------------------------------------


@pytest.fixture
def suspense():
    account = AccountFactory(number="1999999999", is_suspense=True)
    sa_add(account, "EXCESS")
    return account


@override_settings(OPENCIS_SUSPENSE_ACCOUNT="1999999999")
def test_a_suspense_payment_is_transferred_to_the_right_account(client, login, accounts, suspense):
    """The unknown account's 25.00 went to suspense with the file's reference; the CSR
    moves it to the right account from the screen: suspense is empty again, the account
    paid, the line names it (audited), and the ledger holds."""
    problem_file()
    nightly()
    line = PaymentStaging.objects.get(to_suspense=True)
    assert frozen(suspense) == [D("25.00")]
    user = login(CSR)
    page = client.get(URL, {"view": "suspense"}).content.decode()
    assert f'id="suspense-{line.pk}"' in page and UNKNOWN in page

    # when
    response = client.post(
        f"/acp/uploads/suspense/{line.pk}/transfer/",
        {"account_number": GOOD, "reason": _transfer_reason(), "comment": "stub"},
    )

    # then
    assert response.status_code == 302
    assert frozen(suspense) == []
    assert frozen(accounts[GOOD]) == [D("10.00"), D("25.00")]
    line.refresh_from_db()
    assert not line.to_suspense and line.account == accounts[GOOD]
    assert line.payment.account == accounts[GOOD] and line.payment.transferred_from_id
    assert ChangeRecord.objects.filter(
        object_id=line.pk, field="account", new_value=GOOD, user=user
    ).exists()
    assert f'id="suspense-{line.pk}"' not in client.get(URL, {"view": "suspense"}).content.decode()
    assert list(ledger_breaches()) == []

    # a second transfer of the same line is refused: nothing moves twice
    client.post(
        f"/acp/uploads/suspense/{line.pk}/transfer/",
        {"account_number": BAD_AMOUNT, "reason": _transfer_reason()},
    )
    assert frozen(accounts[BAD_AMOUNT]) == []
    assert Payment.objects.filter(account=accounts[GOOD], status="frozen").count() == 2


@override_settings(OPENCIS_SUSPENSE_ACCOUNT="1999999999")
def test_a_suspense_transfer_to_a_private_account_is_no_such_account(
    client, login, accounts, suspense
):
    billed("1000000077", is_public=False)
    problem_file()
    nightly()
    line = PaymentStaging.objects.get(to_suspense=True)
    login(CSR)
    response = client.post(
        f"/acp/uploads/suspense/{line.pk}/transfer/",
        {"account_number": "1000000077", "reason": _transfer_reason(), "comment": "stub"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "There is no account 1000000077." in page
    assert 'value="1000000077"' in page and 'value="stub"' in page  # what was typed stays
    assert frozen(suspense) == [D("25.00")]


def _transfer_reason() -> int:
    from payments.models import PaymentCancelReason

    return PaymentCancelReason.objects.get(code="TRANSFER").pk


# The demo ---------------------------------------------------------------------------------


def test_the_demo_stages_a_file_with_one_exception_for_the_screen(client, login):
    from cis.demo import DemoContext
    from payments.demo import demo_upload_exception

    for number in ("1000000011", "1000000012", "1000000013"):
        billed(number)
    ctx = DemoContext(accounts=3, seed=1, as_of=today(), log=lambda _: None)
    demo_upload_exception(ctx)
    demo_upload_exception(ctx)  # a second seed_demo stages nothing more

    exc = UploadException.objects.get()
    assert exc.reason == "bad_amount" and "1O.00" in exc.message
    assert (
        ToDoEntry.objects.filter(source=f"payments.PaymentStaging:{exc.payment_staging_id}").count()
        == 1
    )
    login(CSR)
    assert f'id="upx-{exc.pk}"' in client.get(URL).content.decode()
    assert not Payment.objects.exists()  # the nightly upload posts it, not the demo
