"""What the payments API refuses, and how (issue 7 items 14, 15, 21, 22, 23): every odd
input is a 400 naming the field, never a 500 and never a silently different value."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.ledger_checks import ledger_breaches
from payments.models import Payment, PaymentEvent, Tender
from payments.tests.factories import account_with, bill

pytestmark = pytest.mark.usefixtures("pay_ref")

CARD = "4111 1111 1111 1111"


@pytest.fixture
def api(csr):
    return csr


@pytest.fixture
def account():
    account, (water,) = account_with("WATER")
    bill(account, {water: 70}, bill_date=timezone.localdate() - dt.timedelta(days=30))
    return account


def body(account, amount="70.00", **extra):
    today = timezone.localdate().isoformat()
    return {
        "tender_source": "CASHIER",
        "payment_date": today,
        "tenders": [{"tender_type": "CHECK", "amount": amount, "check_number": "1001"}],
        "payments": [{"account": account.number, "amount": amount}],
        **extra,
    }


def post(api, data):
    return api.post("/api/v1/payment-events/", data, format="json")


def assert_nothing_posted():
    assert not PaymentEvent.objects.exists() and not Payment.objects.exists()
    assert list(ledger_breaches()) == []


# -- item 14: NUL bytes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    ["tender_source", "tender_type", "payments.account", "tenders.payor_account"],
)
def test_a_nul_byte_in_a_lookup_field_is_a_400(api, account, where):
    """A NUL byte can't be compared by PostgreSQL; it used to be a DataError (500)."""
    data = body(account)
    if where == "tender_source":
        data["tender_source"] = "\u0000"
    elif where == "tender_type":
        data["tenders"][0]["tender_type"] = "CA\u0000SH"
    elif where == "payments.account":
        data["payments"][0]["account"] = "\u0000"
    else:
        data["tenders"][0]["payor_account"] = "\u0000"
    response = post(api, data)
    assert response.status_code == 400, response.content
    assert "Null characters" in str(response.json())
    assert_nothing_posted()


def test_a_nul_byte_in_a_path_or_query_parameter_is_a_json_400(api, account):
    for url in ["/api/v1/accounts/%00/payments/", "/api/v1/tender-types/?x=%00"]:
        response = api.get(url)
        assert response.status_code == 400, url
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Null characters are not allowed."}


def test_a_nul_byte_in_cancel_and_transfer_codes_is_a_400(api, account):
    created = post(api, body(account)).json()
    payment_id = created["payments"][0]["id"]
    tender_id = created["tenders"][0]["id"]
    for url, data in [
        (f"/api/v1/payments/{payment_id}/cancel/", {"reason": "\u0000"}),
        (f"/api/v1/tenders/{tender_id}/cancel/", {"reason": "NSF\u0000"}),
        (
            f"/api/v1/payments/{payment_id}/transfer/",
            {"reason": "TRANSFER", "targets": [{"account": "\u0000", "amount": "70.00"}]},
        ),
    ]:
        assert api.post(url, data, format="json").status_code == 400, url


# -- item 15: amounts the ledger can't hold -------------------------------------------


def test_amounts_over_the_maximum_are_refused_before_anything_is_posted(api, account):
    """999999999999.99 used to be accepted and then overflowed the cached balance."""
    for amount in ["999999999999.99", "10000000.00"]:
        response = post(api, body(account, amount))
        assert response.status_code == 400
        assert "at most 9999999.99" in str(response.json()["tenders"])
        assert "at most 9999999.99" in str(response.json()["payments"])
    assert_nothing_posted()


def test_the_maximum_is_a_setting(api, account, settings):
    settings.OPENCIS_MAX_AMOUNT = "50.00"
    assert post(api, body(account, "70.00")).status_code == 400
    settings.OPENCIS_MAX_AMOUNT = "70.00"
    assert post(api, body(account, "70.00")).status_code == 201


# -- item 22: plain decimals, a date window, length caps -------------------------------


@pytest.mark.parametrize("amount", ["1_000", "\u0661\u0660\u0660\u0660", "1e3", "NaN"])
def test_odd_amount_spellings_are_refused(api, account, amount):
    """ "1_000", Arabic-Indic digits and "1e3" used to be taken as 1000.00."""
    response = post(api, body(account, amount))
    assert response.status_code == 400
    assert "plain decimal" in str(response.json())
    assert_nothing_posted()


def test_json_numbers_are_taken_only_when_plain(api, account):
    raw = (
        '{"tender_source": "CASHIER", "tenders": [{"tender_type": "CASH", "amount": 7e1}],'
        ' "payments": [{"account": "ACCOUNT", "amount": 7e1}]}'
    ).replace("ACCOUNT", account.number)
    response = api.post("/api/v1/payment-events/", raw, content_type="application/json")
    assert response.status_code == 400 and "plain decimal" in str(response.json())
    plain = raw.replace("7e1", "70.00")
    response = api.post("/api/v1/payment-events/", plain, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["payments"][0]["amount"] == "70.00"


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01"])
def test_payment_and_accounting_dates_outside_the_window_are_refused(api, account, day):
    response = post(api, body(account, payment_date=day))
    assert response.status_code == 400 and "payment_date" in response.json()
    data = body(account)
    data["payments"][0]["accounting_date"] = day
    response = post(api, data)
    assert response.status_code == 400 and "accounting_date" in str(response.json())
    assert_nothing_posted()


def test_free_text_is_capped_with_the_field_named(api, account):
    """A 100 KB comment used to be stored."""
    response = post(api, body(account, comments="x" * 100_000))
    assert response.status_code == 400
    assert "comments" in response.json()
    data = body(account)
    data["tenders"][0]["check_number"] = "1" * 21
    response = post(api, data)
    assert response.status_code == 400 and "check_number" in str(response.json()["tenders"])
    assert_nothing_posted()


# -- item 21: card numbers in free text -----------------------------------------------


@pytest.mark.parametrize(
    "field", ["check_number", "processor_token", "external_id", "comments", "event_comments"]
)
def test_card_numbers_in_free_text_are_refused(api, account, field):
    data = body(account)
    if field == "comments":
        data["payments"][0]["comments"] = f"paid with {CARD}"
    elif field == "event_comments":
        data["comments"] = f"card {CARD.replace(' ', '')} exp 12/28"
    else:
        data["tenders"][0][field] = "4111-1111-1111-1111" if field == "check_number" else CARD
    response = post(api, data)
    assert response.status_code == 400, response.content
    assert "card number" in str(response.json())
    assert_nothing_posted()


def test_card_numbers_in_cancel_comments_are_refused(api, account):
    created = post(api, body(account)).json()
    payment_id = created["payments"][0]["id"]
    response = api.post(
        f"/api/v1/payments/{payment_id}/cancel/",
        {"reason": "KEYERR", "comment": f"customer gave {CARD}"},
        format="json",
    )
    assert response.status_code == 400 and "card number" in str(response.json()["comment"])
    assert Payment.objects.get(pk=payment_id).status == Payment.Status.FROZEN


# -- item 23: errors the schema documents ---------------------------------------------


def test_reopen_answers_the_documented_control_shape(api, account):
    """The schema says reopen returns the control, as create does; it returned
    {"id", "status"} only."""
    today = timezone.localdate().isoformat()
    deposit = api.post("/api/v1/deposit-controls/", {"deposit_date": today}, format="json")
    drawer = api.post(
        "/api/v1/tender-controls/",
        {"deposit_control": deposit.json()["id"], "tender_source": "CASHIER"},
        format="json",
    ).json()
    data = body(account)
    data["tenders"][0]["tender_control"] = drawer["id"]
    assert post(api, data).status_code == 201
    unbalanced = api.post(
        f"/api/v1/tender-controls/{drawer['id']}/balance/",
        {"counted_count": 1, "counted_total": "60.00"},
        format="json",
    )
    assert unbalanced.json()["balanced"] is False
    reopened = api.post(f"/api/v1/tender-controls/{drawer['id']}/reopen/")
    assert reopened.status_code == 200
    # balancing recorded what was counted; the rest is the control as created
    assert reopened.json() == {
        **drawer,
        "status": "open",
        "expected_count": 1,
        "expected_total": "60.00",
    }


def test_non_integer_ids_are_a_json_404(api, account):
    response = api.get("/api/v1/payments/abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_model_errors_name_their_field(api, account):
    """A model check the serializer did not pre-empt answers by field name, not as a bare
    list of messages."""
    from django.core.exceptions import ValidationError

    from payments.api.views import PaymentAPIView

    response = PaymentAPIView().handle_exception(
        ValidationError({"check_number": ["Ensure this value has at most 20 characters."]})
    )
    assert response.status_code == 400
    assert response.data == {"check_number": ["Ensure this value has at most 20 characters."]}


def test_tender_model_refuses_a_card_number_in_its_references(account):
    """Panel forms and services go through `full_clean`: the model refuses too."""
    from django.core.exceptions import ValidationError

    tender = Tender(check_number="4111111111111111")
    with pytest.raises(ValidationError) as exc:
        tender.full_clean(exclude=["status"])
    assert "card number" in str(exc.value.message_dict["check_number"])


def test_receipt_errors_are_json(api, account):
    """The receipt endpoint renders PDFs; its errors were rendered as application/pdf."""
    created = post(api, body(account)).json()
    payment_id = created["payments"][0]["id"]
    response = api.get(f"/api/v1/payments/{payment_id}/receipt/?layout=bogus")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "layout must be one of" in response.json()["detail"]
