"""The Demographics tab (seed 004) and the account budget amount autopay drafts."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import ChangeRecord, Demographic, DemographicItem
from accounts.selectors import account_budget_amount
from accounts.services.demographics import demographic_add, demographic_change, variance_add
from accounts.tests.conftest import PASSWORD

HX = {"HTTP_HX_REQUEST": "true"}
DAY = dt.date(2026, 12, 2)


def item(code):
    return DemographicItem.objects.get(code=code)


def test_items_go_on_the_record_their_category_names(account, csr):
    budget = demographic_add(user=csr, account=account, item=item("BUDGET"), value=D("95.00"))
    occupants = demographic_add(user=csr, account=account, item=item("OCCUPANTS"), value=D("4"))
    barrels = demographic_add(user=csr, account=account, item=item("RAINBARREL"), value=D("2"))
    assert (budget.account, budget.location, budget.customer) == (account, None, None)
    assert occupants.location_id == account.location_id and occupants.account is None
    assert barrels.customer_id == account.customer_id
    with pytest.raises(ValidationError, match="already"):
        demographic_add(user=csr, account=account, item=item("BUDGET"), value=D("1"))


def test_budget_amount_is_the_effective_value_with_variances_in_effect(account, csr):
    assert account_budget_amount(account=account, on=DAY) is None
    budget = demographic_add(user=csr, account=account, item=item("BUDGET"), value=D("95.00"))
    variance_add(
        user=csr,
        demographic=budget,
        description="Winter surcharge",
        amount=D("10.00"),
        effective_on=dt.date(2026, 12, 1),
        expires_on=dt.date(2027, 2, 28),
    )
    assert account_budget_amount(account=account, on=DAY) == D("105.00")
    assert account_budget_amount(account=account, on=dt.date(2027, 3, 1)) == D("95.00")
    demographic_change(user=csr, demographic=budget, value=D("80.00"))
    assert account_budget_amount(account=account, on=DAY) == D("90.00")
    change = ChangeRecord.objects.filter(object_id=budget.pk, field="value").first()
    assert (change.old_value, change.new_value) == ("95.00", "80.00")


def test_a_variance_may_not_expire_before_it_starts(account, csr):
    budget = demographic_add(user=csr, account=account, item=item("BUDGET"), value=D("95.00"))
    with pytest.raises(ValidationError):
        variance_add(
            user=csr,
            demographic=budget,
            description="x",
            amount=D("1"),
            effective_on=DAY,
            expires_on=DAY - dt.timedelta(days=1),
        )


def test_the_tab_adds_edits_and_deletes(client, csr, account):
    assert client.login(username=csr.username, password=PASSWORD)
    url = reverse("acp:demographics", args=[account.number])
    added = client.post(url, {"action": "add", "item": item("BUDGET").pk, "value": "95.00"}, **HX)
    assert added.status_code == 200 and "Account budget amount" in added.content.decode()
    budget = Demographic.objects.get()
    bad = client.post(url, {"action": "change", "pk": budget.pk, "value": "lots"}, **HX)
    assert bad.status_code == 422
    client.post(url, {"action": "change", "pk": budget.pk, "value": "70.00"}, **HX)
    budget.refresh_from_db()
    assert budget.value == D("70.00")
    panel = client.get(reverse("acp:panel", args=[account.number]) + "?tab=demographics")
    assert 'data-demographic="BUDGET"' in panel.content.decode()
    client.post(url, {"action": "delete", "pk": budget.pk}, **HX)
    assert not Demographic.objects.exists()


def test_another_accounts_item_is_not_reachable(client, csr, account, private_account):
    other = demographic_add(
        user=csr, account=private_account, item=item("BUDGET"), value=D("50.00")
    )
    assert client.login(username=csr.username, password=PASSWORD)
    url = reverse("acp:demographics", args=[account.number])
    response = client.post(url, {"action": "delete", "pk": other.pk}, **HX)
    assert response.status_code == 422
    assert Demographic.objects.filter(pk=other.pk).exists()
