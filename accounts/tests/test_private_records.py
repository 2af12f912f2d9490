"""Private customers in the admin and the accounts API (issue 7 item 12). DESIGN §8 and the
role table: private customers are Administrators' only. A Supervisor is staff and may open
the admin, yet a private customer's records are not in its lists, searches or change forms
(the answer of a missing id), and the API's adjustment and bill inputs treat a private
account's SA or number as unknown."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from accounts.models import (
    Adjustment,
    AdjustmentType,
    Bill,
    ChangeRecord,
    Customer,
    FinancialTransaction,
    SAType,
)
from accounts.services.adjustments import adjustment_create
from accounts.services.work import credit_event_add, todo_create
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory, billed_sa

MISSING_PK = 999_999_999


@pytest.fixture
def hidden(reference_data):
    """A private customer with an account, a billed SA, an adjustment, a To Do, a credit
    rating event and a change record."""
    account = AccountFactory(
        number="1000000099",
        customer__number="C0000099",
        customer__last_name="Secretson",
        location__number="L0000099",
    )
    Customer.objects.filter(pk=account.customer_id).update(is_public=False)
    sa = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="WATER"))
    billed_sa(Decimal("80.00"), sa=sa)
    adjustment = adjustment_create(
        sa=sa, adjustment_type=AdjustmentType.objects.first(), amount=Decimal("5.00")
    )
    todo_create(type_code="GENERAL", subject="Secretson call back", account=account)
    credit_event_add(account=account, reason="Secretson returned check", cash_only_points=10)
    ChangeRecord.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=account.customer_id,
        object_repr="Secretson",
        action="update",
        field="last_name",
        customer_id=account.customer_id,
    )
    return {
        "customer": account.customer_id,
        "account": account.pk,
        "financialtransaction": FinancialTransaction.objects.filter(account=account).first().pk,
        "bill": Bill.objects.get(account=account).pk,
        "adjustment": adjustment.pk,
        "changerecord": ChangeRecord.objects.get(customer_id=account.customer_id).pk,
        "_account": account,
        "_sa": sa,
    }


def staff(make_user, role: str):
    user = make_user(role, f"{role.lower()}-staff")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


MODELS = [
    "customer",
    "account",
    "financialtransaction",
    "bill",
    "adjustment",
    "todoentry",
    "creditratingevent",
    "changerecord",
]


def _pk(hidden, model: str) -> int:
    from accounts.models import CreditRatingEvent, ToDoEntry

    account = hidden["_account"]
    if model == "todoentry":
        return ToDoEntry.objects.get(account=account).pk
    if model == "creditratingevent":
        return CreditRatingEvent.objects.get(account=account).pk
    return hidden[model]


@pytest.mark.parametrize("model", MODELS)
def test_a_supervisor_does_not_find_private_records_in_the_admin(client, make_user, hidden, model):
    """Change form: the private record answers as a missing id does; lists and searches
    leave it out. An Administrator still opens it."""
    client.force_login(staff(make_user, "Supervisor"))
    base = f"/admin/accounts/{model}/"
    pk = _pk(hidden, model)
    private = client.get(f"{base}{pk}/change/")
    missing = client.get(f"{base}{MISSING_PK}/change/")
    assert (private.status_code, private.get("Location")) == (
        missing.status_code,
        missing.get("Location"),
    )
    assert private.status_code == 302
    listed = client.get(base)
    assert listed.status_code == 200
    assert f"/{pk}/change/" not in listed.content.decode()
    searched = client.get(base, {"q": "Secretson"})
    assert f"/{pk}/change/" not in searched.content.decode()

    client.force_login(staff(make_user, "Administrator"))
    assert client.get(f"{base}{pk}/change/").status_code == 200
    assert f"/{pk}/change/" in client.get(base).content.decode()


@pytest.fixture
def supervisor_api(make_user):
    client = APIClient()
    client.force_authenticate(make_user("Supervisor", "sup-api"))
    return client


def test_a_supervisor_cannot_adjust_a_private_accounts_sa(supervisor_api, hidden):
    """The adjustment's SA input: a private account's SA is an unknown SA."""
    body = {"adjustment_type": AdjustmentType.objects.first().code, "amount": "7.00"}
    private = supervisor_api.post("/api/v1/adjustments/", {**body, "sa": hidden["_sa"].pk})
    missing = supervisor_api.post("/api/v1/adjustments/", {**body, "sa": MISSING_PK})
    assert private.status_code == missing.status_code == 400
    assert str(private.data).replace(str(hidden["_sa"].pk), "?") == str(missing.data).replace(
        str(MISSING_PK), "?"
    )
    assert Adjustment.objects.filter(sa=hidden["_sa"]).count() == 1


def test_a_supervisor_cannot_cancel_a_private_accounts_adjustment(supervisor_api, hidden):
    private = supervisor_api.post(
        f"/api/v1/adjustments/{hidden['adjustment']}/cancel/", {"reason": "x"}
    )
    missing = supervisor_api.post(f"/api/v1/adjustments/{MISSING_PK}/cancel/", {"reason": "x"})
    assert (
        (private.status_code, private.data)
        == (missing.status_code, missing.data)
        == (
            404,
            missing.data,
        )
    )
    assert Adjustment.objects.get(pk=hidden["adjustment"]).status != "cancelled"


@pytest.mark.parametrize("what", ["account", "sa"])
def test_a_supervisor_cannot_bill_a_private_account(supervisor_api, hidden, what):
    """The bill's account number and its segments' SAs: private ones are unknown."""
    account, sa = hidden["_account"], hidden["_sa"]
    visible = AccountFactory()
    visible_sa = ServiceAgreementFactory(account=visible, sa_type=sa.sa_type)

    def body(number, sa_id):
        return {
            "account": number,
            "bill_date": "2026-02-01",
            "due_date": "2026-02-22",
            "segments": [{"sa": sa_id, "amount": "10.00"}],
        }

    if what == "account":
        private_key, missing_key = account.number, "9999999999"
        private = supervisor_api.post("/api/v1/bills/", body(account.number, sa.pk), "json")
        missing = supervisor_api.post("/api/v1/bills/", body(missing_key, sa.pk), "json")
    else:
        private_key, missing_key = sa.pk, MISSING_PK
        private = supervisor_api.post("/api/v1/bills/", body(visible.number, sa.pk), "json")
        missing = supervisor_api.post("/api/v1/bills/", body(visible.number, MISSING_PK), "json")
    assert private.status_code == missing.status_code == 400, private.data
    assert str(private.data).replace(str(private_key), "?") == str(missing.data).replace(
        str(missing_key), "?"
    )
    assert Bill.objects.filter(account=account).count() == 1
    # the visible account's own SA is accepted
    accepted = supervisor_api.post("/api/v1/bills/", body(visible.number, visible_sa.pk), "json")
    assert accepted.status_code == 201, accepted.data


def test_the_location_tab_lists_no_private_residents_deposit(client, make_user, hidden):
    """The Location tab's deposits cover every account at the location; a private former
    resident's deposit (and so its account number) stays out of a CSR's view."""
    from django.urls import reverse

    private = hidden["_account"]
    ServiceAgreementFactory(account=private, sa_type=SAType.objects.get(code="DEPOSIT"))
    neighbour = AccountFactory(location_id=private.location_id)
    client.force_login(make_user("CSR", "csr-loc"))
    response = client.get(
        reverse("acp:tab", args=[neighbour.number, "location"]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert private.number not in response.content.decode()
    client.force_login(make_user("Administrator", "adm-loc"))
    response = client.get(
        reverse("acp:tab", args=[neighbour.number, "location"]), HTTP_HX_REQUEST="true"
    )
    assert private.number in response.content.decode()
