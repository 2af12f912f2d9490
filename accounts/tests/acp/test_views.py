"""Editing through the panel over HTTP: messages next to fields, saves, history."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from accounts.models import ChangeRecord, CustomerAddress, Note, NoteType, SpecialConditionType
from accounts.tests.conftest import PASSWORD

HX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_invalid_address_comes_back_with_messages_next_to_fields(client, csr, account):
    login(client, csr)
    url = reverse("acp:points", args=[account.number, "customer", "addresses"])
    response = client.post(
        url,
        {
            "kind": "mailing",
            "line1": "",
            "city": "X",
            "state": "IL",
            "postal_code": "6270",
            "country": "US",
        },
        **HX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_line1_error"' in html and 'aria-invalid="true"' in html
    assert "Enter a ZIP code as 12345 or 12345-6789." in html
    assert not CustomerAddress.objects.filter(city="X").exists()


def test_a_new_address_saves_and_refreshes_the_dashboard(client, csr, account):
    login(client, csr)
    url = reverse("acp:points", args=[account.number, "customer", "addresses"])
    response = client.post(
        url,
        {
            "kind": "billing",
            "line1": "7 Oak Ave",
            "city": "Peoria",
            "state": "IL",
            "postal_code": "61602",
            "country": "US",
            "is_primary": "on",
        },
        **HX,
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "acp-changed"
    assert CustomerAddress.objects.get(is_primary=True, customer=account.customer).line1 == (
        "7 Oak Ave"
    )
    assert ChangeRecord.objects.filter(
        customer=account.customer, action="updated", field="is_primary"
    ).exists()


def test_customer_type_switch_needs_a_business_name(client, csr, account):
    login(client, csr)
    url = reverse("acp:customer-id", args=[account.number])
    response = client.post(
        url,
        {"customer_type": "profit", "business_name": "", "is_active": "on", "is_public": "on"},
        **HX,
    )
    assert response.status_code == 422 and b'id="id_business_name_error"' in response.content
    response = client.post(
        url,
        {
            "customer_type": "profit",
            "business_name": "Doe Farms",
            "is_active": "on",
            "is_public": "on",
        },
        **HX,
    )
    assert response.status_code == 200
    account.customer.refresh_from_db()
    assert account.customer.display_name == "Doe Farms"


def test_note_rules_show_as_field_messages_and_a_good_note_reloads_the_tab(
    client, csr, account, reference_data
):
    login(client, csr)
    general = NoteType.objects.get(code="GEN").pk
    url = reverse("acp:note-new", args=[account.number])
    bad = client.post(
        url,
        {
            "level": "location",
            "note_type": general,
            "text": "Gate code 12",
            "show_in_message_center": "on",
        },
        **HX,
    )
    assert bad.status_code == 422 and b'id="id_show_in_message_center_error"' in bad.content
    good = client.post(
        url,
        {
            "level": "customer",
            "note_type": general,
            "text": "Call after 5",
            "show_in_message_center": "on",
        },
        **HX,
    )
    assert good.status_code == 200 and good["HX-Retarget"] == "#tabs-area"
    note = Note.objects.get(text="Call after 5")
    assert note.subject == "Call after 5" and note.customer_id == account.customer_id
    panel = client.get(reverse("acp:panel", args=[account.number]))
    assert [n.pk for n in panel.context["mc"].notes] == [note.pk]  # Message Center


def test_grace_note_puts_a_g_on_the_status_card(client, csr, account, reference_data):
    login(client, csr)
    client.post(
        reverse("acp:note-new", args=[account.number]),
        {
            "level": "account",
            "note_type": NoteType.objects.get(code="GRACE").pk,
            "text": "Grace through next week",
            "grace_date": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        },
        **HX,
    )
    response = client.get(reverse("acp:panel", args=[account.number]))
    assert response.context["dash"].grace_until == timezone.localdate() + dt.timedelta(days=7)
    assert b'class="mark mark-g"' in response.content


def test_special_condition_icon_and_no_reactivation_over_http(client, csr, account, reference_data):
    login(client, csr)
    dog = SpecialConditionType.objects.get(code="DOG")
    client.post(
        reverse("acp:condition-new", args=[account.number]),
        {
            "level": "location",
            "condition_type": dog.pk,
            "effective_on": timezone.localdate().isoformat(),
        },
        **HX,
    )
    dash = client.get(reverse("acp:panel", args=[account.number])).context["dash"]
    assert "Dog on premises" in [i.label for i in dash.location_icons]
    condition = account.location.special_conditions.get()
    url = reverse("acp:condition", args=[account.number, condition.pk])
    client.post(url, {"effective_on": condition.effective_on.isoformat()}, **HX)  # deactivate
    again = client.post(
        url, {"effective_on": condition.effective_on.isoformat(), "is_active": "on"}, **HX
    )
    assert again.status_code == 422 and b"can&#x27;t be reactivated" in again.content


def test_search_enter_opens_a_single_match(client, csr, account):
    login(client, csr)
    response = client.get(reverse("acp:search"), {"q": "jane doe"})
    assert response.status_code == 302 and response["Location"].endswith(f"/acp/{account.number}/")
    live = client.get(reverse("acp:search"), {"q": "Doe"}, **HX)
    assert b'class="result"' in live.content and account.number.encode() in live.content
