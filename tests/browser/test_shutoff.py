"""The Shut-off tab in a real browser (issue 12 item 7): a Supervisor reads why an account
is a shut-off candidate, adds a medical certificate (a refused date first), and the next
night's evaluation says the certificate blocks."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from cis.batch import batch_run
from delinquency.models import MedicalCertificate, ShutoffEvaluation
from delinquency.tests.shutoff_builders import AS_OF, candidate, ref_load

from .test_acp import PASSWORD, htmx_bound, open_tab, settle

pytestmark = pytest.mark.browser


@pytest.fixture
def supervisor_user(transactional_db) -> User:
    user = User.objects.create_user("sam", password=PASSWORD, first_name="Sam")
    user.groups.add(Group.objects.get(name="Supervisor"))
    return user


def test_supervisor_reads_why_and_adds_a_medical_certificate(
    page: Page, live_server, supervisor_user, artifacts
):
    ref_load()
    account = candidate()
    batch_run(job_name="shutoff_candidates", business_date=AS_OF)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/acp/{account.number}/")
    settle(page)
    open_tab(page, "shutoff")
    tab = page.locator("#shutoff-tab")
    expect(page.locator("#shutoff-verdict")).to_contain_text("Eligible for shut-off")
    expect(tab.locator("tr[data-rule=notice]")).to_contain_text("21 business days before")
    tab.locator("summary", has_text="Add medical certificate").click()
    htmx_bound(page, "#id_cert-certifier")
    form = page.locator("#shutoff-cert-form")
    form.locator("#id_cert-certified_on").fill("2026-06-10")
    form.locator("#id_cert-expires_on").fill("2026-06-01")
    form.locator("#id_cert-certifier").fill("Dr. Lee, County Clinic")
    form.get_by_role("button", name="Add").click()
    settle(page)
    expect(page.locator("[data-field=expires_on] .field-error")).to_contain_text("expires before")
    assert not MedicalCertificate.objects.exists()
    page.locator("#id_cert-certified_on").fill("2026-06-01")
    page.locator("#id_cert-expires_on").fill("2026-08-31")
    page.locator("#shutoff-cert-form").get_by_role("button", name="Add").click()
    settle(page)
    expect(page.locator("#shutoff-tab")).to_contain_text("Medical certificate added.")
    expect(page.locator("#shutoff-certificates")).to_contain_text("Dr. Lee, County Clinic")
    page.screenshot(path=str(artifacts / "shutoff-tab.png"), full_page=True)

    next_day = AS_OF + dt.timedelta(days=1)
    batch_run(job_name="shutoff_candidates", business_date=next_day)
    ev = ShutoffEvaluation.objects.get(account=account, as_of=next_day)
    assert not ev.is_eligible  # the open disconnect and the certificate both block
    assert [c["passed"] for c in ev.checks if c["rule"] == "medical"] == [False]
    open_tab(page, "shutoff")
    expect(page.locator("#shutoff-verdict")).to_contain_text("Not eligible")
    expect(page.locator("#shutoff-tab tr[data-rule=medical]").first).to_contain_text(
        "valid until 08/31/2026"
    )
