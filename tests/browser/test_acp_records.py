"""Each record tab's add / edit / delete and the card's previous / next arrows, in a real
browser (issue 8 item 2): every action shows its effect on screen and in the database."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from accounts.models import (
    Contact,
    ContactPhone,
    CustomerCode,
    CustomerDocument,
    CustomerEmail,
    CustomerPhone,
    LocationCode,
    LocationPermit,
    Note,
    NoteType,
    SpecialCondition,
    UDCValue,
)

from . import test_acp
from .test_acp import login, open_tab, settle

pytestmark = pytest.mark.browser

# The panel's CSR and account, shared with test_acp.
csr_user = test_acp.csr_user
jane = test_acp.jane


@pytest.fixture
def panel(page: Page, live_server, csr_user, jane) -> Page:
    """Logged in as the CSR; the panel's delete buttons ask to confirm and the CSR says yes."""
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    settle(page)
    return page


def test_contacts_add_edit_delete(panel: Page, jane, csr_user, artifacts):
    page = panel
    open_tab(page, "contacts")
    page.get_by_role("button", name="Add contact").click()
    settle(page)
    detail = page.locator("#contact-detail")
    detail.locator("#id_contact_type").select_option(label="Emergency")
    detail.locator("input[name=notices][value=mail]").check()
    detail.locator("#id_first_name").fill("Bea")
    detail.locator("#id_last_name").fill("Quinn")
    # Mail notices need an address this new contact hasn't got: refused, nothing lost.
    detail.get_by_role("button", name="Save contact").click()
    settle(page)
    expect(detail.locator(".field-error, .form-error").first).to_be_visible()
    expect(detail.locator("#id_first_name")).to_have_value("Bea")
    assert not Contact.objects.filter(first_name="Bea").exists()
    detail.locator("input[name=notices][value=none]").check()
    detail.get_by_role("button", name="Save contact").click()
    settle(page)
    expect(page.locator(".contact-list")).to_contain_text("Bea Quinn")
    contact = Contact.objects.get(first_name="Bea", last_name="Quinn")
    assert contact.customer_id == jane.customer_id
    page.screenshot(path=str(artifacts / "acp-contact-added.png"))

    page.locator(".contact-list a", has_text="Bea Quinn").click()
    settle(page)
    page.locator("#contact-detail").get_by_role("button", name="Edit").click()
    settle(page)
    page.locator("#contact-detail #id_last_name").fill("Quincy")
    page.locator("#contact-detail").get_by_role("button", name="Save contact").click()
    settle(page)
    expect(page.locator(".contact-list")).to_contain_text("Bea Quincy")
    contact.refresh_from_db()
    assert contact.last_name == "Quincy"
    page.screenshot(path=str(artifacts / "acp-contact-edited.png"))

    page.locator(".contact-list a", has_text="Bea Quincy").click()
    settle(page)
    page.locator("#contact-detail").get_by_role("button", name="Delete").click()
    settle(page)
    expect(page.locator(".contact-list")).not_to_contain_text("Bea Quincy")
    expect(page.locator(".contact-list")).to_contain_text("Al Doe")
    assert not Contact.objects.filter(pk=contact.pk).exists()
    page.screenshot(path=str(artifacts / "acp-contact-deleted.png"))


def test_special_conditions_add_and_end(panel: Page, jane, artifacts):
    page = panel
    open_tab(page, "special_conditions")
    page.get_by_role("button", name="Add condition").click()
    settle(page)
    form = page.locator("#condition-detail")
    form.locator("#id_level").select_option("account")
    code = form.locator("#id_condition_type option:not([value=''])").nth(1)
    code_value = code.get_attribute("value")
    form.locator("#id_condition_type").select_option(code_value)
    form.locator("#id_effective_on").fill("2026-11-01")
    form.get_by_role("button", name="Save condition").click()
    settle(page)
    condition = SpecialCondition.objects.get(account=jane)
    assert condition.effective_on == dt.date(2026, 11, 1) and condition.is_active
    table = page.locator("table[aria-label='Special conditions']")
    row = table.locator("tbody tr", has_text=condition.condition_type.description)
    expect(row).to_contain_text("11/01/2026")
    page.screenshot(path=str(artifacts / "acp-condition-added.png"))

    # Edit: a later effective date, then unchecking Active ends it for good.
    row.get_by_role("button", name="Edit").click()
    settle(page)
    form.locator("#id_effective_on").fill("2026-11-05")
    form.locator("#id_is_active").uncheck()
    form.get_by_role("button", name="Save condition").click()
    settle(page)
    condition.refresh_from_db()
    assert condition.effective_on == dt.date(2026, 11, 5) and not condition.is_active
    expect(row).to_contain_text("11/05/2026")
    expect(row).to_have_class(re.compile("inactive"))
    expect(row.get_by_role("button", name="Edit")).to_have_count(0)
    page.screenshot(path=str(artifacts / "acp-condition-ended.png"))


def test_an_administrator_deletes_a_note(panel: Page, jane, csr_user, artifacts):
    page = panel
    csr_user.groups.add(Group.objects.get(name="Administrator"))  # only they delete notes
    note = Note.objects.create(
        level="account",
        account=jane,
        subject="Left a voicemail",
        text="Left a voicemail",
        note_type=NoteType.objects.get(code="GEN"),
    )
    open_tab(page, "notes")
    notes = page.locator("table[aria-label=Notes]")
    notes.locator("tbody tr", has_text="Left a voicemail").locator("a").click()
    settle(page)
    page.get_by_role("button", name="Delete note").click()
    settle(page)
    expect(notes).not_to_contain_text("Left a voicemail")
    expect(notes).to_contain_text("Prefers email")
    assert not Note.objects.filter(pk=note.pk).exists()
    page.screenshot(path=str(artifacts / "acp-note-deleted.png"))


def test_previous_and_next_customer_and_location(panel: Page, jane, artifacts):
    page = panel
    others = list(type(jane).objects.exclude(pk=jane.pk).select_related("customer", "location"))
    by_customer = sorted([jane, *others], key=lambda a: a.customer.number)
    by_location = sorted([jane, *others], key=lambda a: a.location.number)

    def step(key: str, order: list) -> None:
        here = page.url.split("/acp/")[1].split("/")[0]
        index = [a.number for a in order].index(here)
        direction = key.rsplit("-", 1)[1]
        expected = (
            order[index + (1 if direction == "next" else -1)]
            if (0 <= index + (1 if direction == "next" else -1) < len(order))
            else order[index]
        )
        page.locator(f"[data-key={key}]").click()
        expect(page).to_have_url(re.compile(rf"/acp/{expected.number}/"))
        expect(page.locator("#dashboard")).to_contain_text(expected.number)

    step("customer-next", by_customer)
    step("customer-prev", by_customer)
    expect(page).to_have_url(re.compile(rf"/acp/{jane.number}/"))
    step("location-next", by_location)
    page.screenshot(path=str(artifacts / "acp-next-location.png"))
    step("location-prev", by_location)
    expect(page).to_have_url(re.compile(rf"/acp/{jane.number}/"))


def test_customer_tab_phone_code_and_custom_field(panel: Page, jane, artifacts):
    page = panel
    customer = jane.customer
    # A phone: added, then deleted.
    phones = page.locator("#sec-customer-phones")
    phones.get_by_role("button", name="Add phone").click()
    settle(page)
    phones.locator("#id_kind").select_option(index=1)
    phones.locator("#id_number").fill("(217) 555-0199")
    phones.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(phones.locator(".tile", has_text="555-0199")).to_have_count(1)
    phone = CustomerPhone.objects.get(customer=customer, number="2175550199")
    page.screenshot(path=str(artifacts / "acp-phone-added.png"))
    phones.locator(".tile", has_text="555-0199").get_by_role(
        "button", name=re.compile("^Delete")
    ).click()
    settle(page)
    expect(phones.locator(".tile", has_text="555-0199")).to_have_count(0)
    assert not CustomerPhone.objects.filter(pk=phone.pk).exists()

    # A customer code: Preferred language Spanish, then removed.
    page.click("#st-codes")
    codes = page.locator("#sec-customer-codes")
    codes.get_by_role("button", name="Add / change code").click()
    settle(page)
    spanish = UDCValue.objects.get(caption__code="LANG", code="ES")
    codes.locator("#id_caption").select_option(str(spanish.caption_id))
    codes.locator("#id_value").select_option(str(spanish.pk))
    codes.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(codes.locator("table")).to_contain_text("Spanish")
    code = CustomerCode.objects.get(customer=customer)
    assert code.value.code == "ES"
    page.screenshot(path=str(artifacts / "acp-code-added.png"))
    codes.get_by_role("button", name="Delete").click()
    settle(page)
    expect(codes).to_contain_text("No customer codes")
    assert not CustomerCode.objects.filter(customer=customer).exists()

    # A custom field: Also known as.
    page.click("#st-custom")
    custom = page.locator("#sec-customer-custom")
    custom.get_by_role("button", name="Edit").click()
    settle(page)
    custom.locator("#cf-customer-AKA").fill("J. D. Smith")
    custom.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(custom.locator("dl")).to_contain_text("J. D. Smith")
    customer.refresh_from_db()
    assert customer.custom_fields["AKA"] == "J. D. Smith"
    page.screenshot(path=str(artifacts / "acp-custom-field.png"))


def test_location_tab_permit_and_code(panel: Page, jane, artifacts):
    page = panel
    location = jane.location
    open_tab(page, "location")
    # A permit: added, its description edited, then deleted.
    page.click("#lt-permits")
    permits = page.locator("#sec-permits")
    permits.get_by_role("button", name="Add permit").click()
    settle(page)
    permits.locator("#id_number").fill("BP-2026-0042")
    permits.locator("#id_description").fill("Backflow preventer")
    permits.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(permits).to_contain_text("BP-2026-0042")
    permit = LocationPermit.objects.get(location=location)
    assert (permit.number, permit.description) == ("BP-2026-0042", "Backflow preventer")
    permits.get_by_role("button", name="Edit").click()
    settle(page)
    permits.locator("#id_description").fill("Backflow preventer, tested")
    permits.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(permits).to_contain_text("Backflow preventer, tested")
    permit.refresh_from_db()
    assert permit.description == "Backflow preventer, tested"
    page.screenshot(path=str(artifacts / "acp-permit-edited.png"))
    permits.get_by_role("button", name="Delete").click()
    settle(page)
    expect(permits).not_to_contain_text("BP-2026-0042")
    assert not LocationPermit.objects.filter(pk=permit.pk).exists()

    # A location code: Meter access, locked gate.
    page.click("#lt-codes")
    codes = page.locator("#sec-location-codes")
    codes.get_by_role("button", name="Add / change code").click()
    settle(page)
    gate = UDCValue.objects.get(caption__code="ACCESS", code="GATE")
    codes.locator("#id_caption").select_option(str(gate.caption_id))
    codes.locator("#id_value").select_option(str(gate.pk))
    codes.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(codes.locator("table")).to_contain_text("Locked gate")
    assert LocationCode.objects.get(location=location).value_id == gate.pk
    page.screenshot(path=str(artifacts / "acp-location-code.png"))


def test_a_contacts_own_phone_add_edit_delete(panel: Page, jane, artifacts):
    page = panel
    al = Contact.objects.get(first_name="Al")
    open_tab(page, "contacts")
    detail = page.locator("#contact-detail")
    phones = detail.locator(".points", has=page.locator("h4", has_text="Phone"))
    phones.get_by_role("button", name="Add phone").click()
    settle(page)
    form = detail.locator("#contact-point-form form")
    form.locator("#id_kind").select_option(index=1)
    form.locator("#id_number").fill("217-555-0111")
    form.get_by_role("button", name="Save").click()
    settle(page)
    tile = phones.locator(".tile", has_text="555-0111")
    expect(tile).to_have_count(1)
    phone = ContactPhone.objects.get(contact=al)
    assert phone.number == "2175550111"

    tile.get_by_role("button", name="Edit").click()
    settle(page)
    form.locator("#id_extension").fill("12")
    form.get_by_role("button", name="Save").click()
    settle(page)
    expect(phones.locator(".tile", has_text="555-0111")).to_contain_text("x12")
    phone.refresh_from_db()
    assert phone.extension == "12"
    page.screenshot(path=str(artifacts / "acp-contact-phone.png"))

    phones.locator(".tile", has_text="555-0111").get_by_role("button", name="Delete").click()
    settle(page)
    expect(phones.locator(".tile", has_text="555-0111")).to_have_count(0)
    assert not ContactPhone.objects.filter(pk=phone.pk).exists()


def test_customer_id_flags_and_a_document(
    panel: Page, jane, csr_user, settings, tmp_path, artifacts
):
    page = panel
    settings.MEDIA_ROOT = str(tmp_path)  # the upload lands in a scratch directory
    customer = jane.customer
    # The customer's identity: a middle name.
    ident = page.locator("#sec-customer-id")
    ident.get_by_role("button", name="Edit").click()
    settle(page)
    ident.locator("#id_middle_name").fill("Quinn")
    ident.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(ident).to_contain_text("Quinn")
    customer.refresh_from_db()
    assert customer.middle_name == "Quinn"

    # Account flags, a Supervisor's: budget billing on.
    csr_user.groups.add(Group.objects.get(name="Supervisor"))
    page.reload()
    flags = page.locator("#sec-account-flags")
    flags.get_by_role("button", name="Edit").click()
    settle(page)
    flags.locator("#id_is_budget_billing").check()
    flags.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    jane.refresh_from_db()
    assert jane.is_budget_billing
    expect(flags.get_by_role("button", name="Edit")).to_be_visible()
    page.screenshot(path=str(artifacts / "acp-account-flags.png"))

    # A document: uploaded by the CSR, deleted by an Administrator.
    page.click("#st-documents")
    docs = page.locator("#sec-documents")
    docs.get_by_role("button", name="Add document").click()
    settle(page)
    docs.locator("#id_document_type").select_option(index=1)
    docs.locator("#id_description").fill("Signed lease 2026")
    docs.locator("#id_file").set_input_files(
        {"name": "lease.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    docs.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(docs).to_contain_text("Signed lease 2026")
    document = CustomerDocument.objects.get(customer=customer)
    assert document.original_name == "lease.pdf"
    page.screenshot(path=str(artifacts / "acp-document-added.png"))
    csr_user.groups.add(Group.objects.get(name="Administrator"))
    page.reload()
    page.click("#st-documents")
    docs.get_by_role("button", name="Delete").click()
    settle(page)
    expect(docs).not_to_contain_text("Signed lease 2026")
    assert not CustomerDocument.objects.filter(pk=document.pk).exists()


def test_personal_info_replaced_then_revealed_and_location_edited(
    panel: Page, jane, csr_user, artifacts
):
    page = panel
    page.click("#st-personal")
    personal = page.locator("#sp-personal")
    personal.get_by_role("button", name="Edit").click()
    settle(page)
    # A 9xx number is no SSN: refused by the field.
    personal.locator("#id_ssn").fill("987-65-4321")
    personal.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(personal).to_contain_text("Enter a valid 9-digit Social Security number")
    jane.customer.refresh_from_db()
    assert jane.customer.ssn == "123456789"
    personal.locator("#id_ssn").fill("560-61-6220")
    personal.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(page.locator("#pii-ssn")).to_contain_text("6220")
    expect(page.locator("#pii-ssn")).not_to_contain_text("560")
    jane.customer.refresh_from_db()
    assert jane.customer.ssn == "560616220"
    # Shown again only after the password.
    page.click("[data-reveal=ssn]")
    expect(page.locator("#reveal-pw-ssn")).to_be_focused()
    test_acp.htmx_bound(page, "#reveal-pw-ssn")
    page.fill("#reveal-pw-ssn", test_acp.PASSWORD)
    page.press("#reveal-pw-ssn", "Enter")
    expect(page.locator("[data-revealed=ssn]")).to_have_text(re.compile(r"560-?61-?6220"))
    page.screenshot(path=str(artifacts / "acp-ssn-replaced-revealed.png"))

    open_tab(page, "location")
    details = page.locator("#sec-location")
    details.get_by_role("button", name="Edit").click()
    settle(page)
    details.locator("#id_line2").fill("Unit 3")
    details.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(page.locator("#sec-location")).to_contain_text("Unit 3")
    jane.location.refresh_from_db()
    assert jane.location.line2 == "Unit 3"
    page.screenshot(path=str(artifacts / "acp-location-edited.png"))


def test_notes_and_history_filters(panel: Page, jane, artifacts):
    page = panel
    Note.objects.create(
        level="account",
        account=jane,
        subject="Meter question",
        text="Asked about the meter",
        note_type=NoteType.objects.get(code="GEN"),
    )
    open_tab(page, "notes")
    notes = page.locator("table[aria-label=Notes] tbody")
    expect(notes).to_contain_text("Prefers email")
    expect(notes).to_contain_text("Meter question")
    page.fill("#notes-q", "meter")
    page.press("#notes-q", "Enter")
    settle(page)
    expect(notes).to_contain_text("Meter question")
    expect(notes).not_to_contain_text("Prefers email")
    page.fill("#notes-q", "")
    page.select_option("#notes-level", "customer")
    settle(page)
    expect(notes).to_contain_text("Prefers email")
    expect(notes).not_to_contain_text("Meter question")
    page.screenshot(path=str(artifacts / "acp-notes-filtered.png"))

    # History: the bill is a charge, not a payment.
    open_tab(page, "history")
    history = page.locator("table[aria-label='Account history'] tbody")
    expect(history).to_contain_text("182.40")
    page.select_option("#h-view", "payments")
    page.get_by_role("button", name="Refresh").click()
    settle(page)
    expect(history).not_to_contain_text("182.40")
    page.select_option("#h-view", "charges")
    page.get_by_role("button", name="Refresh").click()
    settle(page)
    expect(history).to_contain_text("182.40")
    page.screenshot(path=str(artifacts / "acp-history-charges.png"))


def test_a_file_is_attached_to_a_note(panel: Page, jane, settings, tmp_path, artifacts):
    page = panel
    settings.MEDIA_ROOT = str(tmp_path)
    note = Note.objects.get(subject="Prefers email")
    open_tab(page, "notes")
    page.locator("table[aria-label=Notes] tbody tr", has_text="Prefers email").locator("a").click()
    settle(page)
    detail = page.locator(".attachments")
    detail.locator("input[type=file]").set_input_files(
        {"name": "call-log.txt", "mimeType": "text/plain", "buffer": b"Called 10/02, 2pm."}
    )
    detail.get_by_role("button", name="Attach", exact=True).click()
    settle(page)
    link = page.locator(".attachments a", has_text="call-log.txt")
    expect(link).to_have_count(1)
    attachment = note.attachments.get()
    assert attachment.original_name == "call-log.txt" and attachment.size == 18
    page.screenshot(path=str(artifacts / "acp-note-attachment.png"))


def test_customer_email_add_edit_delete(panel: Page, jane, artifacts):
    page = panel
    emails = page.locator("#sec-customer-emails")
    emails.get_by_role("button", name="Add email").click()
    settle(page)
    emails.locator("#id_address").fill("not-an-email")
    emails.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(emails.locator("#id_address")).to_have_attribute("aria-invalid", "true")
    emails.locator("#id_address").fill("jane.doe@example.org")
    emails.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(emails.locator(".tile", has_text="jane.doe@example.org")).to_have_count(1)
    email = CustomerEmail.objects.get(customer=jane.customer)
    assert email.address == "jane.doe@example.org"

    emails.locator(".tile", has_text="jane.doe@").get_by_role(
        "button", name=re.compile("^Edit")
    ).click()
    settle(page)
    emails.locator("#id_address").fill("jane@example.org")
    emails.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    expect(emails.locator(".tile", has_text="jane@example.org")).to_have_count(1)
    email.refresh_from_db()
    assert email.address == "jane@example.org"
    page.screenshot(path=str(artifacts / "acp-email-edited.png"))

    emails.locator(".tile", has_text="jane@example.org").get_by_role(
        "button", name=re.compile("^Delete")
    ).click()
    settle(page)
    expect(emails.locator(".tile", has_text="jane@example.org")).to_have_count(0)
    assert not CustomerEmail.objects.filter(pk=email.pk).exists()
