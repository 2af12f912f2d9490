"""A CSR reverses, NSFs, returns and transfers a payment from the Payments tab and from the
History tab, in a real browser (issue 8 items 1, 2 and 6).

Each action must send its request (the old forms were swapped over their own target and
died with htmx:targetError), change the ledger, refresh the tab and the dashboard cards,
and say what it did. The form opens next to the payment's row and names the payment by
amount, tender, check number and date. The shared guard in conftest.py fails any of these
tests on a console or htmx error."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from accounts.ledger_checks import ledger_breaches
from accounts.models import Account, Adjustment
from accounts.tests.factories import AccountFactory
from payments.models import Payment, Tender
from payments.services.events import DistributionMode, PaymentIn, TenderIn, payment_event_create
from payments.tests.factories import bill, reason, sa_add, source, tender_type

pytestmark = pytest.mark.browser
PASSWORD = "csr-browser-pass-8"
D = Decimal


@pytest.fixture
def csr_user(transactional_db) -> User:
    from payments.reference import reference_data_load

    reference_data_load()
    user = User.objects.create_user("casey", password=PASSWORD, first_name="Casey")
    user.groups.add(Group.objects.get(name="CSR"))
    return user


@pytest.fixture
def paid(csr_user) -> Payment:
    """A $150 bill (water $100, sewer $50) paid in full by check #4471: one payment, two
    pay segments (two History rows)."""
    account = AccountFactory(
        number="1000000042", customer__first_name="Jane", customer__last_name="Doe"
    )
    water, sewer = sa_add(account, "WATER"), sa_add(account, "SEWER")
    bill(account, {water: 100, sewer: 50})
    event = payment_event_create(
        tender_source=source(),
        payment_date=dt.date(2026, 1, 15),
        tenders=[TenderIn(tender_type=tender_type("CHECK"), amount=D("150"), check_number="4471")],
        payments=[PaymentIn(account=account, amount=D("150"))],
        mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
    )
    return event.payments.get()


def settle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def open_tab(page: Page, live_server, account: Account, tab: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "casey")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/acp/{account.number}/?tab={tab}")
    page.wait_for_load_state("load")
    expect(page.locator("#dashboard")).to_contain_text("$0.00")


def balance(account: Account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


ACTIONS = {
    # button: (reason code, expected balance, message)
    "Reverse": ("KEYERR", D("150.00"), "Payment of $150.00 reversed"),
    "NSF": ("NSF", D("175.00"), "Personal check #4471 of $150.00 cancelled"),
    "Returned": ("NSF", D("175.00"), "Returned payment of $150.00 recorded."),
    "Transfer": ("WRONGACCT", D("150.00"), "Payment of $150.00 transferred to 2000000001."),
}


@pytest.mark.parametrize("tab", ["payments", "history"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_payment_action_works_from_the_tab(
    page: Page, live_server, paid, tab, action, artifacts
):
    account = paid.account
    other = AccountFactory(number="2000000001", customer__last_name="Roe")
    code, expected, message = ACTIONS[action]
    open_tab(page, live_server, account, tab)
    tab_body = page.locator("#tab-body")
    buttons = tab_body.get_by_role("button", name=action, exact=True)
    # History: one action set per payment, not one per pay segment.
    expect(buttons).to_have_count(1)
    settle(page)
    buttons.click()

    form = page.locator("form.payment-action")
    expect(form).to_be_visible()
    heading = form.locator("h3")
    for part in ("$150.00", "Personal check #4471", "01/15/2026"):
        expect(heading).to_contain_text(part)
    expect(heading).not_to_contain_text("150.00 on")  # not the raw number
    # Next to its row: the form's row follows the payment's row.
    row_above = form.locator("xpath=ancestor::tr[1]/preceding-sibling::tr[1]")
    if tab == "payments":
        row_above = form.locator("xpath=ancestor::tbody[1]/tr[1]")
    expect(row_above).to_contain_text("$150.00")
    if action == "Reverse":
        page.screenshot(path=str(artifacts / f"acp-payment-action-form-{tab}.png"))

    form.locator("select[name=reason]").select_option(value=str(reason(code).pk))
    if action == "Transfer":
        form.locator("input[name=account_number]").fill(other.number)
    form.locator("button[type=submit]").click()

    expect(tab_body.get_by_role("status")).to_contain_text(message)
    expect(page.locator(f"#tab-{tab}")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#dashboard")).to_contain_text(f"${expected}")
    settle(page)
    page.screenshot(path=str(artifacts / f"acp-payment-{action.lower()}-{tab}.png"))

    assert balance(account) == expected
    if action == "NSF":
        assert Tender.objects.get(event=paid.event).status == Tender.Status.CANCELLED
        assert Adjustment.objects.filter(sa__account=account, amount=D("25.00")).exists()
    else:
        assert Payment.objects.get(pk=paid.pk).status == Payment.Status.CANCELLED
    if action == "Transfer":
        assert Payment.objects.get(account=other).transferred_from_id == paid.pk
    assert list(ledger_breaches()) == []
