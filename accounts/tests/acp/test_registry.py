"""Later apps extend the panel through accounts/panel.py: tabs and dashboard facts."""

import pytest
from django.urls import reverse

from accounts import panel
from accounts.tests.conftest import PASSWORD


@pytest.fixture
def extension():
    """Register what a later app (say autopay) would, and take it away afterwards."""
    panel._discover()
    tabs_before, facts_before = dict(panel._TABS), list(panel._FACTS)

    def autopay_facts(ctx, facts):
        facts.autopay_method = "Draft"
        facts.open_service_orders = 2
        facts.last_payment = panel.LastPayment(
            date=ctx.today,
            amount=facts.last_payment.amount if facts.last_payment else 0,
            unposted=True,
        )

    panel.register_tab(
        key="autopay_test",
        label="Auto Pay",
        order=100,
        template="accounts/acp/tabs/history.html",  # any template renders here
        context=lambda ctx: {"rows": [], "views": [], "view": "all", "sas": [], "filters": {}},
        has_records=lambda ctx: True,
        permission="accounts.view_account",
    )
    panel.register_tab(
        key="supervisor_only",
        label="Secret",
        order=5,
        template="accounts/acp/tabs/history.html",
        permission="accounts.change_account",
    )
    panel.register_facts(autopay_facts, order=50)
    yield
    panel._TABS.clear()
    panel._TABS.update(tabs_before)
    panel._FACTS[:] = facts_before


def test_registered_tab_shows_in_order_with_its_marker(client, csr, account, extension):
    assert client.login(username=csr.username, password=PASSWORD)
    response = client.get(reverse("acp:panel", args=[account.number]))
    keys = [tab.key for tab, _ in response.context["tabs"]]
    assert keys.index("history") < keys.index("autopay_test") < keys.index("special_conditions")
    assert "supervisor_only" not in keys  # a CSR lacks the tab's permission
    assert {t.key: marked for t, marked in response.context["tabs"]}["autopay_test"]
    tab = client.get(
        reverse("acp:tab", args=[account.number, "autopay_test"]), HTTP_HX_REQUEST="true"
    )
    assert tab.status_code == 200 and b'aria-selected="true"' in tab.content


def test_facts_providers_feed_icons_and_message_center(client, csr, account, extension):
    assert client.login(username=csr.username, password=PASSWORD)
    response = client.get(reverse("acp:panel", args=[account.number]))
    labels = [i.label for i in response.context["dash"].customer_icons]
    assert "Automatic Payments \u2013 Draft" in labels
    assert "Open Service Order" in [i.label for i in response.context["dash"].location_icons]
    assert dict(response.context["mc"].rows)["Automatic payment"] == "Draft"
    assert b'title="Not yet posted">U</abbr>' in response.content


def test_owner_tab_only_for_rentals(client, csr, account):
    assert client.login(username=csr.username, password=PASSWORD)
    url = reverse("acp:panel", args=[account.number])
    assert "owner" not in [t.key for t, _ in client.get(url).context["tabs"]]
    account.location.is_rental = True
    account.location.save()
    assert "owner" in [t.key for t, _ in client.get(url).context["tabs"]]
