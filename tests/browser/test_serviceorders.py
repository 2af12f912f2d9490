"""The Service Orders tab in a real browser (seed 004): a CSR opens an account's Service
Orders tab, adds an order (a refused date first, its message next to the field), and
completes it; the dashboard's open-order count follows."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from serviceorders.models import ServiceOrder
from serviceorders.reference import reference_data_load

from . import test_acp
from .test_acp import htmx_bound, login, open_tab, settle

pytestmark = pytest.mark.browser

csr_user = test_acp.csr_user
jane = test_acp.jane


@pytest.fixture
def so_types(transactional_db):
    # A transactional test's flush drops the migration's starter codes; load them again.
    reference_data_load()


def test_csr_adds_and_completes_a_service_order(
    page: Page, live_server, csr_user, jane, so_types, artifacts
):
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/")
    settle(page)
    open_tab(page, "serviceorders")
    tab = page.locator("#so-tab")
    expect(tab).to_contain_text("No service orders.")
    tab.locator("summary", has_text="Add").click()
    form = page.locator("#so-add-form")
    htmx_bound(page, "#id_so-notes")
    form.locator("#id_so-type").select_option(label="METERREAD — Meter read")
    far = timezone.localdate() + dt.timedelta(days=800)
    form.locator("#id_so-effective_date").fill(far.isoformat())
    form.locator("#id_so-notes").fill("Read the meter behind the garage")
    form.get_by_role("button", name="Add service order").click()
    settle(page)
    expect(page.locator("#so-add-form [data-field=effective_date] .field-error")).to_contain_text(
        "within a year"
    )
    assert not ServiceOrder.objects.exists()
    form = page.locator("#so-add-form")
    expect(form.locator("#id_so-notes")).to_have_value("Read the meter behind the garage")
    form.locator("#id_so-effective_date").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Add service order").click()
    settle(page)
    order = ServiceOrder.objects.get(account=jane)
    row = page.locator(f"tr[data-order='{order.number}']")
    expect(row).to_contain_text("Open")
    expect(row).to_contain_text("Read the meter behind the garage")
    expect(page.locator("[data-icon=open_so]")).to_be_visible()  # dashboard refreshed
    row.get_by_role("button", name=f"Complete {order.number}").click()
    settle(page)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.COMPLETED
    # The default filter shows incomplete orders: the completed one leaves the list.
    expect(page.locator(f"tr[data-order='{order.number}']")).to_have_count(0)
    page.locator("#so-status").select_option("both")
    settle(page)
    expect(page.locator(f"tr[data-order='{order.number}']")).to_contain_text("Completed")
    expect(page.locator("[data-icon=open_so]")).to_have_count(0)
    page.screenshot(path=artifacts / "serviceorders-tab.png", full_page=True)
