"""What the panel's markup tells a CSR (issue 8 item 15): sub-tab record markers say what
the top-level ones say, every field the save needs is marked required, long emails break
before the "@", and the dashboard has an icon legend."""

import re

from django.urls import reverse

from accounts.models import CustomerCode, CustomerEmail, Note, NoteType, UDCValue
from accounts.tests.conftest import PASSWORD

HX = {"HTTP_HX_REQUEST": "true"}


def test_sub_tab_record_markers_match_the_top_level_ones(client, csr, account):
    value = UDCValue.objects.filter(caption__code="LANG").first()
    CustomerCode.objects.create(customer=account.customer, caption=value.caption, value=value)
    Note.objects.create(
        level="account",
        account=account,
        note_type=NoteType.objects.get(code="GEN"),
        subject="Called",
        text="Called",
    )
    assert client.login(username=csr.username, password=PASSWORD)
    html = client.get(reverse("acp:panel", args=[account.number]) + "?tab=customer").content
    html = html.decode()
    top = re.search(r'<a [^>]*id="tab-notes"[^>]*>Notes(.*?)</a>', html, re.S)
    sub = re.search(r'<button [^>]*id="st-codes"[^>]*>(.*?)</button>', html, re.S)
    assert top and sub
    assert 'title="Customer Codes has records"' in sub.group(0)
    assert sub.group(1) == 'Customer Codes<span class="visually-hidden"> (has records)</span>'
    assert top.group(1) == sub.group(1).replace("Customer Codes", "")


def test_last_name_and_business_name_are_marked_required(client, csr, account):
    assert client.login(username=csr.username, password=PASSWORD)
    html = client.get(reverse("acp:customer-id", args=[account.number]) + "?edit=1", **HX)
    html = html.content.decode()
    for name, label in (("last_name", "Last name"), ("business_name", "Business name")):
        assert f'<label for="id_{name}">{label} <abbr class="req" title="required">*</abbr>' in (
            html
        ), name
    assert '<label for="id_first_name">First name</label>' in html


def test_a_long_email_may_break_before_its_at_sign_and_nowhere_unsafe(client, csr, account):
    CustomerEmail.objects.filter(customer=account.customer).update(
        address="maximiliana.featherstonehaugh-worthington@example.com"
    )
    assert client.login(username=csr.username, password=PASSWORD)
    html = client.get(reverse("acp:panel", args=[account.number]) + "?tab=customer").content
    assert (
        b'<span class="email">maximiliana.featherstonehaugh-worthington<wbr>@example.com</span>'
        in html
    )
    assert b"Icons</summary>" in html and b"not yet posted" in html
