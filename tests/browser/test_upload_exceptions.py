"""A CSR fixes an upload exception in a real browser and the next run posts it (issue 9,
"Must show"): from the home page's Upload exceptions card to the exception, the bad
account corrected, the line set Pending; `runbatch payment_upload --date D --force` then
posts it once on the right account. And a payment the upload put in suspense is moved to
its account from the same screen. The autouse guard fails a test on any console, request
or htmx error."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from accounts.ledger_checks import ledger_breaches
from accounts.models import ToDoEntry
from accounts.tests.factories import AccountFactory
from payments.models import Payment, PaymentStaging, StagingStatus, UploadException
from payments.reference import reference_data_load
from payments.tests.factories import sa_add
from payments.tests.upload.worklist import (
    BAD_AMOUNT,
    GOOD,
    UNKNOWN,
    billed,
    frozen,
    nightly,
    problem_file,
    today,
)

from .axe import axe_violations

pytestmark = pytest.mark.browser
PASSWORD = "upload-exceptions-pass-7"


@pytest.fixture
def cora(transactional_db) -> User:
    """A CSR, and the accounts the problem file pays."""
    reference_data_load()
    billed(GOOD)
    billed(BAD_AMOUNT)
    user = User.objects.create_user("cora", password=PASSWORD, first_name="Cora")
    user.groups.add(Group.objects.get(name="CSR"))
    return user


def log_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "cora")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_csr_corrects_a_bad_account_and_the_next_run_posts_it(
    page: Page, live_server, cora, artifacts
):
    # given: last night's upload left line 4 (unknown account, no suspense) in Error
    problem_file()
    nightly()
    exc = UploadException.objects.get(reason="no_suspense")
    line = exc.payment_staging
    assert line.status == StagingStatus.ERROR

    # when: the CSR starts from the home page and opens the exception
    log_in(page, live_server)
    page.locator("#home-upload-exceptions-link").click()
    expect(page.get_by_role("heading", name="Upload exceptions")).to_be_visible()
    row = page.locator(f"#upx-{exc.pk}")
    expect(row).to_contain_text(UNKNOWN)
    problems = axe_violations(page)
    row.get_by_role("link", name="Line 4").click()
    expect(page.locator("#upx-message")).to_contain_text("no suspense account is configured")
    problems += axe_violations(page)
    assert not problems, problems  # the list and the exception pass axe (issue 8 item 17)
    page.fill("#id_account_number", GOOD)
    page.fill("#id_comment", "Stub reads 1000000001")
    page.screenshot(path=str(artifacts / "upload-exception-correct.png"), full_page=True)
    page.get_by_role("button", name="Correct and set Pending").click()

    # then: back on the list, the line is Pending and the exception gone from Open
    expect(page.locator(".flash-success")).to_contain_text("line 4", ignore_case=True)
    expect(page.locator(f"#upx-{exc.pk}")).to_have_count(0)
    line.refresh_from_db()
    assert line.status == StagingStatus.PENDING
    todo = ToDoEntry.objects.get(source=f"payments.PaymentStaging:{line.pk}")
    assert todo.status == ToDoEntry.Status.COMPLETE

    # when: the same night's upload is run again, twice
    for _ in range(2):
        call_command("runbatch", "payment_upload", "--date", today().isoformat(), "--force")

    # then: the 25.00 is one frozen payment on the right account; the ledger holds
    good = line.account
    assert good.number == GOOD
    assert frozen(good) == [D("10.00"), D("25.00")]
    assert Payment.objects.filter(amount=D("25.00")).count() == 1
    line.refresh_from_db()
    exc.refresh_from_db()
    assert line.status == StagingStatus.COMPLETE and line.payment.account == good
    assert exc.resolved_by == cora
    assert list(ledger_breaches()) == []
    page.goto(f"{live_server.url}/acp/uploads/exceptions/?view=resolved")
    expect(page.locator(f"#upx-{exc.pk}")).to_contain_text("Resolved")


@override_settings(OPENCIS_SUSPENSE_ACCOUNT="1999999999")
def test_csr_moves_a_suspense_payment_to_its_account(page: Page, live_server, cora, artifacts):
    suspense = AccountFactory(number="1999999999", is_suspense=True)
    sa_add(suspense, "EXCESS")
    problem_file()
    nightly()
    line = PaymentStaging.objects.get(to_suspense=True)
    assert frozen(suspense) == [D("25.00")]

    log_in(page, live_server)
    page.goto(f"{live_server.url}/acp/uploads/exceptions/?view=suspense")
    row = page.locator(f"#suspense-{line.pk}")
    expect(row).to_contain_text(UNKNOWN)
    assert not axe_violations(page)
    row.get_by_label("Account").fill(GOOD)
    row.get_by_role("button", name="Transfer").click()

    expect(page.locator(".flash-success")).to_contain_text(f"transferred from suspense to {GOOD}")
    expect(page.locator(f"#suspense-{line.pk}")).to_have_count(0)
    page.screenshot(path=str(artifacts / "upload-suspense-transfer.png"), full_page=True)
    assert frozen(suspense) == []
    line.refresh_from_db()
    assert line.account.number == GOOD and line.payment.account.number == GOOD
    assert list(ledger_breaches()) == []
