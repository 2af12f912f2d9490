"""Print a statement (issue 13 item 1): a CSR opens Jane's History tab, clicks Statement on
her bill, and the PDF it opens says what the bill says (read back with pdftotext); Email
Statement sends it and says where."""

import subprocess

import pytest
from playwright.sync_api import Page, expect

from accounts.models import CustomerEmail, Note

from . import test_acp
from .test_acp import login, open_tab, settle

pytestmark = pytest.mark.browser

csr_user = test_acp.csr_user
jane = test_acp.jane


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_csr_prints_and_emails_a_statement_from_history(
    page: Page, live_server, csr_user, jane, artifacts
):
    CustomerEmail.objects.create(
        customer=jane.customer, address="jane@example.com", is_primary=True
    )
    bill = jane.bills.get()
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    settle(page)
    open_tab(page, "history")
    link = page.get_by_role("link", name="Statement of 10/02/2026 (PDF)")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href == f"/acp/{jane.number}/statements/{bill.pk}.pdf"
    page.screenshot(path=artifacts / "statement-history.png", full_page=True)
    with page.expect_popup() as popup_info:
        link.click()
    popup_info.value.close()
    # The PDF the link opens, fetched with the CSR's session.
    response = page.request.get(f"{live_server.url}{href}")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    (artifacts / "statement.pdf").write_bytes(response.body())
    text = pdf_text(response.body())
    for expected in (
        "Statement",
        "Jane Doe",
        jane.number,
        "12 Elm St",
        "10/23/2026",  # due date
        "Previous balance",
        "Amount due",
        "$182.40",
        "Remittance stub",
        f"{jane.number}00000182403",  # scan line: account, cents, Luhn check digit
    ):
        assert expected in text, expected

    page.get_by_role("button", name="Email Statement of 10/02/2026").click()
    settle(page)
    expect(page.locator("#payment-detail")).to_contain_text(
        "Statement of 10/02/2026 emailed to jane@example.com."
    )
    assert Note.objects.filter(account=jane, subject__startswith="Statement of").exists()
