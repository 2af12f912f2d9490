"""No Penalty in a real browser (issue 12 items 3 and 4; seed 000): a Supervisor opens an
account's Credit tab, is refused an expire date in the past, sets No Penalty with a date
two weeks out, and sees the No Penalty alert in the panel banner and on payment entry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Account, ChangeRecord, SAType
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory, billed_sa
from delinquency.models import CreditAttributes

pytestmark = pytest.mark.browser
PASSWORD = "supervisor-browser-pass-5"


@pytest.fixture
def supervisor_user(transactional_db) -> User:
    user = User.objects.create_user("sam", password=PASSWORD, first_name="Sam")
    user.groups.add(Group.objects.get(name="Supervisor"))
    return user


@pytest.fixture
def jane(transactional_db) -> Account:
    # A transactional test's flush drops the migrations' starter rows (alert types too).
    from delinquency.reference import reference_data_load as delinquency_load
    from payments.reference import reference_data_load as payments_load
    from serviceorders.reference import reference_data_load as serviceorders_load

    payments_load()
    serviceorders_load()
    delinquency_load()
    account = AccountFactory(
        number="1000000042", customer__first_name="Jane", customer__last_name="Doe"
    )
    sa = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="WATER"))
    billed_sa(
        Decimal("182.40"), sa=sa, bill_date=dt.date(2026, 10, 2), due_date=dt.date(2026, 10, 23)
    )
    return account


def settle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def test_a_supervisor_sets_no_penalty_and_sees_the_alert_on_the_panel_and_payment_entry(
    page: Page, live_server, supervisor_user, jane, artifacts
):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Account Control Panel")).to_be_visible()
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    page.wait_for_load_state("load")
    expect(page.locator("#dashboard")).to_contain_text("$182.40")
    expect(page.locator("#dashboard .alerts")).to_have_count(0)

    page.click("#tab-credit")
    expect(page.locator("#tab-body[data-tab=credit]")).to_be_visible()
    settle(page)
    form = page.locator("#credit-attributes-form")
    today = timezone.localdate()
    # A date already gone is refused, next to the field, and nothing is saved.
    form.locator("#id_credit-no_penalty").check()
    form.locator("#id_credit-no_penalty_expires_on").fill(
        (today - dt.timedelta(days=1)).isoformat()
    )
    form.get_by_role("button", name="Save credit attributes").click()
    settle(page)
    expect(page.locator("[data-field=no_penalty_expires_on] .field-error")).to_contain_text(
        "must be today"
    )
    assert not CreditAttributes.objects.exists()

    until = today + dt.timedelta(days=14)
    form = page.locator("#credit-attributes-form")
    expect(form.locator("#id_credit-no_penalty")).to_be_checked()
    form.locator("#id_credit-no_penalty_expires_on").fill(until.isoformat())
    form.get_by_role("button", name="Save credit attributes").click()
    settle(page)
    expect(page.locator("#credit-tab [role=status]")).to_contain_text("Credit attributes saved.")
    expect(page.locator("#credit-attributes [data-no-penalty]")).to_have_text("Yes")
    alert = f"No Penalty: no late charges until {until:%m/%d/%Y}."
    # The banner: the dashboard refreshes after the save (acp-changed).
    expect(page.locator("#dashboard .alerts")).to_contain_text(alert)
    page.locator("#credit-tab details.changes summary").click()
    expect(page.locator("#credit-tab details.changes")).to_contain_text("sam")
    page.screenshot(path=str(artifacts / "no-penalty-credit-tab.png"), full_page=True)

    # Payment entry shows it before money is taken.
    page.click("#tab-payments")
    expect(page.locator("#tab-body[data-tab=payments]")).to_be_visible()
    settle(page)
    expect(page.locator("#payments-tab .pay-alerts")).to_contain_text(alert)
    expect(page.locator("#quick-pay")).to_be_visible()
    page.screenshot(path=str(artifacts / "no-penalty-payment-entry.png"), full_page=True)

    attrs = CreditAttributes.objects.get(account=jane)
    assert (attrs.no_penalty, attrs.no_penalty_expires_on) == (True, until)
    assert ChangeRecord.objects.filter(account=jane, user=supervisor_user).count() == 2
