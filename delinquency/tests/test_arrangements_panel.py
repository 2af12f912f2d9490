"""The Arrangements tab and the New Payment Arrangement Wizard (seed 004) through the
Django test client: each step, the refusals, delete, and the PDFs."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.conftest import PASSWORD, make_user  # noqa: F401
from delinquency.models import Arrangement
from payments.services.events import DistributionMode
from payments.tests.factories import pay

from .arrangement_builders import arr_ref, owing  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("arr_ref")]
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def csr_client(client, make_user):  # noqa: F811
    make_user("CSR", "casey")
    client.login(username="casey", password=PASSWORD)
    return client


def _setup_data(sas, **over):
    data = {
        "arr-description": "Winter plan",
        "arr-sas": [str(sa.pk) for sa in sas],
        "arr-amount": "90.00",
        "arr-installments_count": "3",
        "arr-frequency": "monthly",
        "arr-start_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
    }
    data.update(over)
    return data


def test_the_wizard_end_to_end(csr_client):
    account, water, sewer = owing()
    url = f"/acp/{account.number}/arrangements/new/"
    warnings = csr_client.get(url, **HX)
    assert warnings.status_code == 200
    html = warnings.content.decode()
    assert 'data-step="warnings"' in html and "Past due: $180.00" in html
    setup = csr_client.post(url, {"go": "setup"}, **HX)
    assert 'data-step="setup"' in setup.content.decode()
    assert "balance $120.00" in setup.content.decode()

    too_much = csr_client.post(url, {"go": "review", **_setup_data([sewer])}, **HX)
    assert too_much.status_code == 422
    assert "above the chosen services&#x27; balance $60.00" in too_much.content.decode()

    data = _setup_data([water, sewer], **{"arr-amount": "100.00"})
    calc = csr_client.post(url, {"go": "calc", **data}, **HX).content.decode()
    assert "Remaining balance</dt><dd>$80.00" in calc and "$33.33" in calc
    review = csr_client.post(url, {"go": "review", **data}, **HX).content.decode()
    assert review.count("data-installment=") == 3 and "$33.34" in review
    preview = csr_client.post(f"/acp/{account.number}/arrangements/new/preview.pdf", data)
    assert preview["Content-Type"] == "application/pdf" and preview.content.startswith(b"%PDF")
    assert not Arrangement.objects.exists()
    confirm = csr_client.post(url, {"go": "confirm", **data}, **HX)
    assert 'data-step="confirm"' in confirm.content.decode()
    unticked = csr_client.post(url, {"go": "finish", **data}, **HX)
    assert unticked.status_code == 422 and "Tick the box" in unticked.content.decode()
    assert not Arrangement.objects.exists()

    finish = csr_client.post(url, {"go": "finish", "ok-confirmed": "on", **data}, **HX)
    arrangement = Arrangement.objects.get()
    body = finish.content.decode()
    assert finish.status_code == 200 and finish["HX-Trigger"] == "acp-changed"
    assert arrangement.number in body
    assert f"/arrangements/{arrangement.pk}/print.pdf" in body
    assert arrangement.description == "Winter plan"
    assert [i.amount for i in arrangement.installments.all()] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert arrangement.created_by.username == "casey"

    tab = csr_client.get(f"/acp/{account.number}/tab/arrangements/", **HX).content.decode()
    assert f'data-arrangement="{arrangement.number}"' in tab
    assert tab.count("data-installment=") == 3


def test_the_wizard_stops_at_warnings_when_a_rule_blocks(csr_client):
    account, water, _ = owing()
    pay(account, "20.00", mode=DistributionMode.DO_NOT_DISTRIBUTE)
    url = f"/acp/{account.number}/arrangements/new/"
    html = csr_client.get(url, **HX).content.decode()
    assert "Unposted transactions" in html
    assert re.search(r'name="go" value="setup"\s+disabled', html)
    refused = csr_client.post(url, {"go": "finish", "ok-confirmed": "on", **_setup_data([water])})
    assert refused.status_code == 422
    assert not Arrangement.objects.exists()


def test_delete_print_and_history(csr_client):
    from delinquency.services.arrangements import demo_arrangement_put

    account, *_ = owing()
    arrangement = demo_arrangement_put(account=account)
    base = f"/acp/{account.number}/arrangements/"
    pdf = csr_client.get(f"{base}{arrangement.pk}/print.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    history = csr_client.get(f"{base}history.pdf")
    assert history.status_code == 200 and history.content.startswith(b"%PDF")
    no_reason = csr_client.post(f"{base}{arrangement.pk}/delete/", {"del-reason": ""}, **HX)
    assert no_reason.status_code == 422
    done = csr_client.post(f"{base}{arrangement.pk}/delete/", {"del-reason": "mistake"}, **HX)
    assert done.status_code == 200 and "deleted" in done.content.decode()
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.CANCELLED


def test_another_accounts_arrangement_is_not_found(csr_client):
    from delinquency.services.arrangements import demo_arrangement_put

    account, *_ = owing()
    other, *_ = owing()
    arrangement = demo_arrangement_put(account=other)
    assert (
        csr_client.get(f"/acp/{account.number}/arrangements/{arrangement.pk}/print.pdf").status_code
        == 404
    )


def test_a_user_without_the_permission_may_not_create(client, make_user):  # noqa: F811
    account, water, _ = owing()
    make_user("CSR", "casey")
    from django.contrib.auth.models import Permission, User

    user = User.objects.get(username="casey")
    user.groups.first().permissions.remove(Permission.objects.get(codename="add_arrangement"))
    client.login(username="casey", password=PASSWORD)
    url = f"/acp/{account.number}/arrangements/new/"
    assert client.get(url, **HX).status_code == 403
    data = {"go": "finish", "ok-confirmed": "on", **_setup_data([water])}
    assert client.post(url, data, **HX).status_code == 403
    assert not Arrangement.objects.exists()
