"""A CSR at work on the Account Control Panel, in a real browser (issue 3)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import Page, expect

from accounts.models import (
    Account,
    Contact,
    ContactType,
    CustomerAddress,
    CustomerPhone,
    Note,
    NoteType,
    SAType,
    SpecialCondition,
    SpecialConditionType,
)
from accounts.reference import reference_data_load
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory, billed_sa
from cis.models import PiiRevealAudit

pytestmark = pytest.mark.browser
PASSWORD = "csr-browser-pass-1"
TABS = ["customer", "contacts", "location", "owner", "notes", "history", "special_conditions"]


@pytest.fixture
def csr_user(transactional_db) -> User:
    """A CSR trusted with personal data: the CSR role plus `reveal_pii` for this user."""
    user = User.objects.create_user("casey", password=PASSWORD, first_name="Casey")
    user.groups.add(Group.objects.get(name="CSR"))
    user.user_permissions.add(Permission.objects.get(codename="reveal_pii"))
    return user


@pytest.fixture
def jane(transactional_db) -> Account:
    reference_data_load()
    account = AccountFactory(
        number="1000000042",
        customer__first_name="Jane",
        customer__last_name="Doe",
        customer__ssn="123456789",
        customer__is_web_user=True,
        location__line1="12 Elm St",
        location__is_rental=True,
        location__parcel="044-12-007",
    )
    owner = AccountFactory(
        customer__customer_type="profit",
        customer__last_name="",
        customer__business_name="Elm Rentals LLC",
    ).customer
    account.location.owner = owner
    account.location.save()
    AccountFactory(customer__last_name="Doerr", customer__first_name="Otto")
    customer = account.customer
    CustomerAddress.objects.create(
        customer=customer,
        line1="12 Elm St",
        city="Springfield",
        state="IL",
        postal_code="62701",
        is_primary=True,
    )
    CustomerPhone.objects.create(customer=customer, number="2175550142", is_primary=True)
    sa = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="WATER"))
    billed_sa(
        Decimal("182.40"), sa=sa, bill_date=dt.date(2026, 10, 2), due_date=dt.date(2026, 10, 23)
    )
    Note.objects.create(
        level="customer",
        customer=customer,
        subject="Prefers email",
        text="Prefers email",
        note_type=NoteType.objects.get(code="GEN"),
        show_in_message_center=True,
    )
    Contact.objects.create(
        customer=customer,
        first_name="Al",
        last_name="Doe",
        contact_type=ContactType.objects.get(code="EMERGENCY"),
    )
    SpecialCondition.objects.create(
        level="location",
        location=account.location,
        effective_on=dt.date(2026, 1, 1),
        condition_type=SpecialConditionType.objects.get(code="DOG"),
    )
    return account


def login(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "casey")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Account Control Panel")).to_be_visible()
    # acp.js is deferred: its keyboard shortcuts exist only once the page has loaded.
    page.wait_for_load_state("load")


def settle(page: Page) -> None:
    """Wait until htmx has no request in flight and nothing left to swap."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def htmx_bound(page: Page, field: str) -> None:
    """Wait until htmx has taken over the form holding `field` (a selector): Enter pressed
    any earlier would submit the form natively instead of through htmx."""
    page.wait_for_function(
        "s => { const el = document.querySelector(s);"
        " return !!(el && el.form && el.form['htmx-internal-data']); }",
        arg=field,
    )


def open_tab(page: Page, key: str) -> None:
    page.click(f"#tab-{key}")
    expect(page.locator(f"#tab-body[data-tab={key}]")).to_be_visible()
    settle(page)


def test_csr_searches_opens_and_visits_every_tab(
    page: Page, live_server, csr_user, jane, artifacts
):
    login(page, live_server)
    # Live results as you type, arrow keys into the list, Enter opens.
    page.press("body", "/")
    expect(page.locator("#acp-q")).to_be_focused()
    page.keyboard.type("Doe")
    results = page.locator(".results .result")
    expect(results).to_have_count(2)
    page.keyboard.press("ArrowDown")
    expect(results.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(results.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/acp/1000000042/"))
    card = page.locator("#dashboard")
    expect(card).to_contain_text("Jane Doe")
    expect(card).to_contain_text("$182.40")
    expect(card.locator('[data-icon="web_user"]')).to_have_attribute("data-tip", "Web User")
    expect(card.locator('[data-icon^="condition_"]')).to_have_attribute(
        "data-tip", "Dog on premises"
    )
    expect(page.locator(".mc")).to_contain_text("Prefers email")
    page.screenshot(path=str(artifacts / "acp-customer.png"))

    # Enter in the search box with a unique match opens the account directly.
    page.fill("#acp-q", "044-12-007")
    page.press("#acp-q", "Enter")
    expect(page).to_have_url(re.compile(r"/acp/1000000042/$"))

    for key in TABS:
        open_tab(page, key)
        expect(page.locator(f"#tab-{key}")).to_have_attribute("aria-selected", "true")
        page.screenshot(path=str(artifacts / f"acp-tab-{key}.png"))
    expect(page.locator("#tab-body")).to_contain_text("Dog on premises")
    expect(page.locator("#tab-notes")).to_have_class(re.compile("has-records"))

    # Keyboard: arrow keys move along the tab bar and open the tab.
    page.focus("#tab-special_conditions")
    page.keyboard.press("Home")
    expect(page.locator("#tab-body[data-tab=customer]")).to_be_visible()
    expect(page.locator("#tab-customer")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-body[data-tab=contacts]")).to_be_visible()
    expect(page.locator("#tab-body")).to_contain_text("Al Doe")


def test_csr_edits_a_note_and_an_address_and_sees_errors(
    page: Page, live_server, csr_user, jane, artifacts
):
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/?tab=notes")
    # A location note can't go to the Message Center: the message sits by the box.
    page.click("text=Add note")
    settle(page)
    form = page.locator("[data-note-form]")
    form.locator("#id_level").select_option("location")
    form.locator("#id_note_type").select_option(label="Phone call")
    form.locator("#id_text").fill("Customer asked about the new meter")
    form.locator("#id_show_in_message_center").check()
    form.locator("text=Save note").click()
    error = page.locator("#id_show_in_message_center_error")
    expect(error).to_contain_text("Location notes always show")
    page.screenshot(path=str(artifacts / "acp-note-error.png"))
    page.locator("#id_level").select_option("account")
    page.click("text=Save note")
    row = page.locator("table[aria-label=Notes] tbody tr", has_text="new meter")
    expect(row).to_have_count(1)
    note = Note.objects.get(text="Customer asked about the new meter")
    assert note.level == "account" and note.subject == note.text and note.created_by == csr_user

    # Edit it: a new subject, saved; the list shows it and the history records it.
    open_tab(page, "history")  # away and back: the note is then opened from the list
    open_tab(page, "notes")
    row.locator("a").click()
    expect(page.locator("tr.selected")).to_contain_text("new meter")
    settle(page)
    page.fill("#id_subject", "Meter question")
    page.click("text=Save note")
    expect(page.locator("table[aria-label=Notes]")).to_contain_text("Meter question")
    note.refresh_from_db()
    assert note.subject == "Meter question"

    # Addresses: a bad ZIP is refused next to the field, then a good one saves.
    open_tab(page, "customer")
    page.click("text=Add address")
    settle(page)
    section = page.locator("#sec-customer-addresses")
    section.locator("#id_line1").fill("7 Oak Ave")
    section.locator("#id_city").fill("Peoria")
    section.locator("#id_state").select_option("IL")
    section.locator("#id_postal_code").fill("616")
    section.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#id_postal_code_error")).to_contain_text("Enter a ZIP code")
    expect(page.locator("#id_postal_code")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(artifacts / "acp-address-error.png"))
    page.fill("#id_postal_code", "61602")
    page.check("#id_is_primary")
    page.locator("#sec-customer-addresses").get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#sec-customer-addresses .tile.primary")).to_contain_text("7 Oak Ave")
    # The dashboard refreshed with the new mailing address.
    expect(page.locator("#dashboard")).to_contain_text("7 Oak Ave")
    assert CustomerAddress.objects.get(customer=jane.customer, is_primary=True).line1 == (
        "7 Oak Ave"
    )


def test_csr_reveals_an_ssn_with_password_and_it_is_audited(
    page: Page, live_server, csr_user, jane, artifacts
):
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    page.click("#st-personal")
    masked = page.locator("#pii-ssn")
    expect(masked).to_contain_text("6789")
    expect(masked).not_to_contain_text("12345")
    page.click("[data-reveal=ssn]")
    # htmx focuses the autofocus field once the swapped-in form is processed; typing Enter
    # any earlier would submit the form natively instead of through htmx.
    expect(page.locator("#reveal-pw-ssn")).to_be_focused()
    htmx_bound(page, "#reveal-pw-ssn")
    page.fill("#reveal-pw-ssn", "wrong-password")
    page.press("#reveal-pw-ssn", "Enter")
    expect(page.locator("#pii-ssn .field-error")).to_contain_text("That password is not correct")
    assert PiiRevealAudit.objects.count() == 0
    expect(page.locator("#reveal-pw-ssn")).to_be_focused()
    htmx_bound(page, "#reveal-pw-ssn")
    page.fill("#reveal-pw-ssn", PASSWORD)
    page.press("#reveal-pw-ssn", "Enter")
    expect(page.locator("[data-revealed=ssn]")).to_have_text("123-45-6789")
    page.screenshot(path=str(artifacts / "acp-ssn-revealed.png"))
    audit = PiiRevealAudit.objects.get()
    assert (audit.user_id, audit.customer_id, audit.field) == (csr_user.pk, jane.customer_id, "ssn")
    # Shown for that response only: a reload is masked again.
    page.reload()
    page.click("#st-personal")
    expect(page.locator("#pii-ssn")).not_to_contain_text("123456789")
