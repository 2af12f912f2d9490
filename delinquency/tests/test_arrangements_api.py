"""Payment arrangements through the REST API (issue 12 item 5)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.conftest import make_user  # noqa: F401
from delinquency.models import Arrangement

from .arrangement_builders import arr_ref, owing  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("arr_ref")]


@pytest.fixture
def api(make_user) -> APIClient:  # noqa: F811
    client = APIClient()
    client.force_authenticate(make_user("CSR", "casey"))
    return client


def _body(services, **over):
    body = {
        "sas": [sa.pk for sa in services],
        "amount": "90.00",
        "installments_count": 3,
        "frequency": "monthly",
        "start_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        "description": "By phone",
    }
    body.update(over)
    return body


def test_create_list_detail_and_delete(api):
    account, water, sewer = owing()
    url = f"/api/v1/accounts/{account.number}/arrangements/"
    created = api.post(url, _body([water, sewer], amount="100.00"), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["number"].startswith("ARR-") and body["status"] == "active"
    assert [i["amount"] for i in body["installments"]] == ["33.33", "33.33", "33.34"]
    assert body["created_by"] == "casey" and sorted(body["sas"]) == sorted([water.pk, sewer.pk])
    again = api.post(url, _body([water], amount="10.00"), format="json")
    assert again.status_code == 400 and "still active" in again.json()["detail"]
    assert [row["id"] for row in api.get(url).json()] == [body["id"]]
    detail = f"/api/v1/arrangements/{body['id']}/"
    assert api.get(detail).json()["number"] == body["number"]
    assert api.delete(detail, format="json").status_code == 400  # a reason is needed
    deleted = api.delete(detail, {"reason": "customer paid in full"}, format="json")
    assert deleted.status_code == 200 and deleted.json()["status"] == "cancelled"
    assert {i["status"] for i in deleted.json()["installments"]} == {"cancelled"}


@pytest.mark.parametrize(
    "over,field",
    [
        ({"amount": "999999999999.99"}, "amount"),  # more than NUMERIC(14,2) / the max
        ({"amount": "1e3"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"installments_count": 100000}, "installments_count"),
        ({"installments_count": 0}, "installments_count"),
        ({"frequency": "daily"}, "frequency"),
        ({"sas": []}, "sas"),
        ({"sas": [2**63 + 5]}, "sas"),
        ({"start_on": "2026-13-01"}, "start_on"),
        ({"description": "card 4242 4242 4242 4242"}, "description"),
    ],
)
def test_bad_input_is_400_never_500(api, over, field):
    account, water, _ = owing()
    answer = api.post(
        f"/api/v1/accounts/{account.number}/arrangements/", _body([water], **over), format="json"
    )
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert not Arrangement.objects.exists()


def test_business_rules_are_400(api):
    account, water, sewer = owing("120.00", "60.00")
    other, *_ = owing()
    url = f"/api/v1/accounts/{account.number}/arrangements/"
    above = api.post(url, _body([sewer], amount="60.01"), format="json")
    assert above.status_code == 400 and "above the chosen services" in above.json()["detail"]
    foreign = api.post(url, _body([other.agreements.first()]), format="json")
    assert foreign.status_code == 400 and "sas" in foreign.json()
    past = api.post(url, _body([water], start_on="2020-01-01"), format="json")
    assert past.status_code == 400 and "start date" in past.json()["detail"]


def test_anonymous_is_401_and_a_user_without_the_role_403(make_user):  # noqa: F811
    account, water, _ = owing()
    url = f"/api/v1/accounts/{account.number}/arrangements/"
    anonymous = APIClient()
    assert anonymous.get(url).status_code in (401, 403)
    assert anonymous.get(url).status_code == 401
    from django.contrib.auth.models import User

    nobody = APIClient()
    nobody.force_authenticate(User.objects.create_user("nobody"))
    assert nobody.get(url).status_code == 403
    assert nobody.post(url, _body([water]), format="json").status_code == 403


def test_a_private_account_is_404(api):
    from accounts.models import Customer

    account, water, _ = owing()
    Customer.objects.filter(pk=account.customer_id).update(is_public=False)
    url = f"/api/v1/accounts/{account.number}/arrangements/"
    assert api.get(url).status_code == 404
    assert api.post(url, _body([water]), format="json").status_code == 404
