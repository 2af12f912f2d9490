"""The Notes tab as a CSR reads it (issue 8 item 11): newest first, the MC / PC / Grace
columns explained, and every note says who wrote it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Note
from accounts.tests.conftest import PASSWORD


@pytest.fixture
def notes_html(client, csr, supervisor, account):
    def at(days: int) -> dt.datetime:
        return timezone.now() - dt.timedelta(days=days)

    # saved out of date order: the newest has the smallest pk
    Note.objects.create(
        account=account, subject="Newest note", text="n", created_at=at(1), created_by=supervisor
    )
    Note.objects.create(account=account, subject="Oldest note", text="o", created_at=at(300))
    Note.objects.create(
        account=account, subject="Middle note", text="m", created_at=at(30), created_by=supervisor
    )
    Note.objects.create(
        customer=account.customer,
        level="customer",
        subject="Customer note",
        text="c",
        created_at=at(10),
    )
    assert client.login(username=csr.username, password=PASSWORD)
    response = client.get(
        reverse("acp:tab", args=[account.number, "notes"]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    return response.content.decode()


def test_notes_are_newest_first(notes_html):
    order = [notes_html.index(s) for s in ("Newest", "Customer note", "Middle", "Oldest")]
    assert order == sorted(order)


def test_mc_pc_and_grace_headers_are_explained(notes_html):
    head = notes_html.split("<thead>")[1].split("</thead>")[0]
    assert '<abbr title="Shown in the message center' in head
    assert 'aria-label="Message center"' in head
    assert 'aria-label="Payment center"' in head
    assert 'aria-label="Grace date' in head


def test_every_note_says_who_wrote_it(notes_html, supervisor):
    body = notes_html.split("<tbody>")[1].split("</tbody>")[0]
    rows = body.split("<tr")[1:]
    assert len(rows) == 4
    by = [row.rsplit("<td", 1)[1] for row in rows]
    assert all(supervisor.username in cell or ">system<" in cell for cell in by), by
    assert sum(">system<" in cell for cell in by) == 2
