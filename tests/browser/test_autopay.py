"""The Auto Payment sub-tab in a real browser (issue 10 must-show): a CSR sets up a draft,
reveals the bank account number (audit row), prints the signup form; and a card through the
sandbox's hosted payment form."""

import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect

from autopay.models import Enrollment
from cis.models import PiiRevealAudit

from . import test_acp
from .test_acp import PASSWORD, login, settle

pytestmark = pytest.mark.browser

csr_user = test_acp.csr_user
jane = test_acp.jane


def open_autopay(page: Page, live_server, number: str) -> None:
    page.goto(f"{live_server.url}/acp/{number}/?tab=customer")
    settle(page)
    page.click("#st-autopay")
    expect(page.locator("#sec-autopay")).to_be_visible()


def test_csr_sets_up_a_draft_reveals_the_number_and_prints_the_signup_form(
    page: Page, live_server, csr_user, jane, artifacts
):
    login(page, live_server)
    open_autopay(page, live_server, jane.number)
    form = page.locator("form[data-form=autopay-enroll]")
    form.locator("input[name=kind][value=draft]").check()
    form.locator("#id_bank_account_type").select_option("checking")
    form.locator("#id_routing_number").fill("011000016")  # wrong check digit
    form.locator("#id_bank_account_number").fill("000123456789")
    form.locator("#id_amount_option").select_option("maximum")
    form.locator("#id_amount").fill("150.00")
    form.get_by_role("button", name="Set up automatic payment").click()
    settle(page)
    expect(page.locator("#sec-autopay [data-field=routing_number] .field-error")).to_be_visible()
    assert not Enrollment.objects.exists()
    form = page.locator("form[data-form=autopay-enroll]")
    expect(form.locator("#id_amount")).to_have_value("150.00")  # nothing lost
    form.locator("#id_routing_number").fill("011000015")
    form.locator("#id_bank_account_number").fill("000123456789")
    form.get_by_role("button", name="Set up automatic payment").click()
    settle(page)
    section = page.locator("#sec-autopay")
    expect(section.locator("[data-autopay=draft]")).to_be_visible()
    expect(section.locator("#autopay-bank-number .masked")).to_contain_text("6789")
    expect(section).not_to_contain_text("000123456789")
    enrollment = Enrollment.objects.get(account=jane)
    assert (enrollment.amount_option, str(enrollment.amount)) == ("maximum", "150.00")
    # The sub-tab's name turns red and the dashboard shows the icon (seed 004).
    expect(page.locator("#st-autopay")).to_have_class("has-records")
    # Show: password again, then the number, with an audit row.
    section.locator("[data-reveal=bank_account_number]").click()
    settle(page)
    test_acp.htmx_bound(page, "#reveal-pw-bank")
    page.fill("#reveal-pw-bank", PASSWORD)
    page.press("#reveal-pw-bank", "Enter")
    expect(page.locator("[data-revealed=bank_account_number]")).to_have_text("000123456789")
    page.screenshot(path=str(artifacts / "autopay-draft-revealed.png"))
    audit = PiiRevealAudit.objects.get()
    assert (audit.user_id, audit.field) == (csr_user.pk, "bank_account_number")
    # The signup form: a PDF with the customer's details filled in.
    link = page.locator("a[data-signup=draft]")
    with page.expect_popup() as popup:
        link.click()
    popup.value.close()
    pdf = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert pdf.headers["content-type"] == "application/pdf"
    body = pdf.body()
    assert body.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = artifacts / "bank-draft-signup.pdf"
        path.write_bytes(body)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Bank Draft Signup" in text and jane.number in text and "Jane" in text


def test_csr_sets_up_a_card_through_the_hosted_form(page: Page, live_server, csr_user, jane):
    login(page, live_server)
    open_autopay(page, live_server, jane.number)
    page.locator("form[data-form=autopay-enroll] input[name=kind][value=card]").check()
    page.click("a[data-hosted-form]")
    expect(page.get_by_role("heading", name="Hosted payment form")).to_be_visible()
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_exp_month", "12")
    page.fill("#id_exp_year", "2030")
    page.get_by_role("button", name="Create payment token").click()
    page.wait_for_load_state("load")
    page.click("#st-autopay")
    form = page.locator("form[data-form=autopay-enroll]")
    expect(form.locator("#id_card_token")).to_have_value("sbx_approve_visa_4242_1230")
    form.get_by_role("button", name="Set up automatic payment").click()
    settle(page)
    expect(page.locator("#sec-autopay [data-autopay=card]")).to_contain_text("Visa")
    enrollment = Enrollment.objects.get(account=jane)
    assert (enrollment.kind, enrollment.card_last4) == ("card", "4242")
    assert "4242424242424242" not in str(Enrollment.objects.filter(pk=enrollment.pk).values().get())
