"""A Supervisor imports a payment file on the upload screen in a real browser (issue 9
item 1) and sees what was staged; the same file again is refused naming the first. The
autouse guard fails the test on any console, request or htmx error."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from accounts.tests.factories import AccountFactory
from payments.models import PaymentStaging, UploadFile
from payments.reference import reference_data_load

pytestmark = pytest.mark.browser
PASSWORD = "upload-browser-pass-7"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "csv" / "remittance-bad-line.csv"


@pytest.fixture
def sam(transactional_db) -> User:
    reference_data_load()
    for number in ("1000000001", "1000000002", "1000000003"):
        AccountFactory(number=number)
    user = User.objects.create_user("sam", password=PASSWORD, first_name="Sam")
    user.groups.add(Group.objects.get(name="Supervisor"))
    return user


def test_supervisor_imports_a_file_and_sees_the_result(page: Page, live_server, sam, artifacts):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/acp/uploads/")
    expect(page.get_by_role("heading", name="Payment files")).to_be_visible()

    # when
    page.set_input_files("#id_file", str(SAMPLE))
    page.select_option("#id_format", "csv")
    page.get_by_role("button", name="Import").click()

    # then
    result = page.locator("#upload-result")
    expect(result).to_contain_text("4 payment line(s) totalling $180.00")
    expect(result).to_contain_text("line 3: amount '12.3.4' is not a plain positive amount")
    expect(page.locator("#recent-uploads")).to_contain_text("remittance-bad-line.csv")
    page.screenshot(path=str(artifacts / "payment-upload-staged.png"), full_page=True)
    assert PaymentStaging.objects.count() == 4

    # the same file again
    page.set_input_files("#id_file", str(SAMPLE))
    page.select_option("#id_format", "csv")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#upload-result")).to_contain_text("this file was already imported")
    page.screenshot(path=str(artifacts / "payment-upload-refused.png"), full_page=True)
    assert PaymentStaging.objects.count() == 4
    assert UploadFile.objects.filter(status="rejected").count() == 1
