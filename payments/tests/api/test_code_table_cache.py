"""The per-process cache of code tables (issue 7 "Online speed"): while on, a payment's
tender source and type cost no query; a change saved (as the admin saves) applies to the
next request of the same process at once."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.ledger_checks import ledger_breaches
from cis.codetables import code_tables_forget
from payments.models import TenderType
from payments.tests.factories import account_with

pytestmark = pytest.mark.usefixtures("pay_ref")


@pytest.fixture
def cached(settings):
    settings.OPENCIS_CODE_TABLE_CACHE_SECONDS = 60
    code_tables_forget()
    yield
    code_tables_forget()


def _client():
    user = User.objects.create_user("cashier", password="x")
    user.groups.add(Group.objects.get(name="CSR"))
    client = APIClient()
    client.force_authenticate(user)
    return client


def _post(client, account, tender_type="CASH"):
    return client.post(
        "/api/v1/payment-events/",
        {
            "tender_source": "CASHIER",
            "tenders": [{"tender_type": tender_type, "amount": "5.00"}],
            "payments": [{"account": account.number, "amount": "5.00"}],
        },
        format="json",
    )


def test_cached_codes_cost_no_query_and_a_saved_change_applies_at_once(cached):
    client = _client()
    account, _ = account_with("WATER")
    assert _post(client, account).status_code == 201
    # when the codes are cached
    with CaptureQueriesContext(connection) as queries:
        assert _post(client, account).status_code == 201
    # then neither the tender type nor the tender source nor the default rules are read
    read = " ".join(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT"))
    for table in ("payments_tendertype", "payments_tendersource", "payments_overpaymentrule"):
        assert f'FROM "{table}"' not in read
    # when the cash tender type is deactivated in the admin
    cash = TenderType.objects.get(code="CASH")
    cash.is_active = False
    cash.save()
    # then the next payment in cash is refused, as without the cache
    refused = _post(client, account)
    assert refused.status_code == 400
    assert "tenders" in refused.data
    # and a type activated again is taken again
    cash.is_active = True
    cash.save()
    assert _post(client, account).status_code == 201
    assert list(ledger_breaches()) == []


def test_without_the_cache_every_request_reads_the_codes(settings):
    settings.OPENCIS_CODE_TABLE_CACHE_SECONDS = 0
    client = _client()
    account, _ = account_with("WATER")
    assert _post(client, account).status_code == 201
    TenderType.objects.filter(code="CASH").update(is_active=False)  # no signal: no cache
    assert _post(client, account).status_code == 400
