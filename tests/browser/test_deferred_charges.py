"""The Deferred Charges sub-tab in a real browser (seed 004): a CSR opts the customer in to
a round-up donation, the sub-tab turns red; opting out clears it."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts.models import GLAccount
from payments.models import DeferredChargeEnrollment, DeferredChargeType
from payments.reference import reference_data_load

from . import test_acp
from .axe import axe_violations
from .test_acp import login, settle

pytestmark = pytest.mark.browser

csr_user = test_acp.csr_user
jane = test_acp.jane


def test_csr_opts_the_customer_in_and_out(page: Page, live_server, csr_user, jane):
    reference_data_load()
    DeferredChargeType.objects.create(
        code="RNDUP",
        description="Round-up for the Neighbor Warmth Fund",
        signup_type=DeferredChargeType.Signup.OPT_IN,
        trigger=DeferredChargeType.Trigger.OVERPAYMENT,
        round_up_multiple=Decimal("1.00"),
        gl_account=GLAccount.objects.get(code="2400"),
    )
    login(page, live_server)
    page.goto(f"{live_server.url}/acp/{jane.number}/?tab=customer")
    settle(page)
    page.click("#st-deferred")
    section = page.locator("#sec-deferred")
    row = section.locator("tr[data-deferred=RNDUP]")
    expect(row).to_have_attribute("data-participating", "no")
    expect(row.locator("input[type=checkbox]")).not_to_be_checked()
    row.get_by_role("button", name="Opt in").click()
    settle(page)
    row = page.locator("#sec-deferred tr[data-deferred=RNDUP]")
    expect(row).to_have_attribute("data-participating", "yes")
    expect(row.locator("input[type=checkbox]")).to_be_checked()
    expect(page.locator("#st-deferred")).to_have_class("has-records")
    assert axe_violations(page, "#sec-deferred") == []
    assert DeferredChargeEnrollment.objects.get(customer=jane.customer).is_participating
    row.get_by_role("button", name="Opt out").click()
    settle(page)
    expect(page.locator("#sec-deferred tr[data-deferred=RNDUP]")).to_have_attribute(
        "data-participating", "no"
    )
    expect(page.locator("#st-deferred")).not_to_have_class("has-records")
    assert not DeferredChargeEnrollment.objects.get(customer=jane.customer).is_participating
