# ruff: noqa: F811 - pytest fixtures imported from accounts.tests.conftest, used as arguments
"""The delinquency alerts (issue 12 item 4; seed 000: "A No Penalty Alert is available for
both Inquiry and Payments ... and will display in the Alerts window"): the panel banner and
payment entry show each active alert type while its condition holds; the admin switches
them off or moves them; the whole lot costs two queries per panel view."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.panel import PanelContext, panel_facts, payment_alerts
from accounts.services.work import credit_event_add
from accounts.tests.conftest import (  # noqa: F401 - shared fixtures
    account,
    admin_user,
    csr,
    make_user,
    supervisor,
)
from delinquency.alerts import account_alerts_compute, alert_text
from delinquency.models import AlertType, Arrangement, CreditAttributes, MedicalCertificate
from delinquency.services.credit import no_penalty_demo_set
from serviceorders.models import ServiceOrder, ServiceOrderType
from serviceorders.services.orders import (
    service_order_cancel,
    service_order_create,
    service_order_dispatch,
)

from .test_credit import credit_ref  # noqa: F401 - fixture

HX = {"HTTP_HX_REQUEST": "true"}
NO_PENALTY = "No Penalty: no late charges until"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def as_csr(client, csr, credit_ref):
    client.force_login(csr)
    return client


def banner(client, account) -> str:
    """The dashboard's alerts box (the panel banner), '' when there is none."""
    response = client.get(reverse("acp:dashboard", args=[account.number]), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    if '<div class="alerts" role="alert">' not in html:
        return ""
    return html.split('<div class="alerts" role="alert">')[1].split("</div>")[0]


def payment_entry(client, account) -> str:
    """Payment entry's alerts box (the Payments tab), '' when there is none."""
    response = client.get(reverse("acp:tab", args=[account.number, "payments"]), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    if 'class="alerts pay-alerts" role="alert"' not in html:
        return ""
    return html.split('class="alerts pay-alerts" role="alert"')[1].split("</div>")[0]


def texts(account, on: dt.date) -> list[str]:
    return [a.text for a in account_alerts_compute(account_id=account.pk, today=on)]


def test_no_penalty_shows_through_its_expire_date_and_not_the_day_after(as_csr, account, today):
    until = today + dt.timedelta(days=3)
    assert NO_PENALTY not in banner(as_csr, account)
    no_penalty_demo_set(account=account, expires_on=until)
    expected = f"No Penalty: no late charges until {until:%m/%d/%Y}."
    assert expected in banner(as_csr, account)
    assert expected in payment_entry(as_csr, account)
    assert texts(account, until) == [expected]  # the expire date is the last day
    assert texts(account, until + dt.timedelta(days=1)) == []  # gone the day after
    # Without an expire date it holds until cleared.
    CreditAttributes.objects.update(no_penalty_expires_on=None)
    assert texts(account, today + dt.timedelta(days=900)) == [
        "No Penalty: no late charges until further notice."
    ]
    CreditAttributes.objects.update(no_penalty=False)
    assert banner(as_csr, account) == "" and payment_entry(as_csr, account) == ""


def test_an_expired_no_penalty_shows_no_alert_on_the_panel(as_csr, account, today):
    CreditAttributes.objects.create(
        account=account, no_penalty=True, no_penalty_expires_on=today - dt.timedelta(days=1)
    )
    assert NO_PENALTY not in banner(as_csr, account)
    assert NO_PENALTY not in payment_entry(as_csr, account)


def _every_condition(account, today, settings):
    """No Penalty, cash only, bankrupt, an active arrangement, an open disconnect order and
    a medical certificate, all holding today."""
    settings.OPENCIS_CASH_ONLY_THRESHOLD = 100
    no_penalty_demo_set(account=account, expires_on=today + dt.timedelta(days=9))
    credit_event_add(
        account=account,
        reason="NSF",
        cash_only_points=120,
        effective_on=today - dt.timedelta(days=2),
        expires_on=today + dt.timedelta(days=60),
    )
    account.customer.is_bankrupt = True
    account.customer.save()
    Arrangement.objects.create(
        number="ARR-000077",
        account=account,
        balance_at_setup=100,
        amount=90,
        installments_count=3,
        frequency=Arrangement.Frequency.MONTHLY,
        start_on=today,
    )
    order = service_order_create(
        account=account,
        type=ServiceOrderType.objects.get(code="DISCNP"),
        effective_date=today,
        origin=ServiceOrder.Origin.JOB,
    )
    MedicalCertificate.objects.create(
        account=account,
        certified_on=today - dt.timedelta(days=10),
        expires_on=today + dt.timedelta(days=20),
        certifier="Dr. Ames",
    )
    return order


EVERY = {
    "no_penalty": "No Penalty: no late charges until {np}.",
    "cash_only": "Cash only: checks are not accepted (score 120, threshold 100, until {cash}).",
    "bankrupt": "Bankruptcy: collection actions are suspended.",
    "arrangement": "Payment arrangement ARR-000077 is active.",
    "shutoff_pending": "Shut-off pending: disconnect order {so}.",
    "medical": "Medical certificate on file until {med}.",
}


def test_each_alert_kind_shows_on_the_banner_and_payment_entry_as_configured(
    as_csr, account, today, settings
):
    order = _every_condition(account, today, settings)
    values = {
        "np": f"{today + dt.timedelta(days=9):%m/%d/%Y}",
        "cash": f"{today + dt.timedelta(days=60):%m/%d/%Y}",
        "so": order.number,
        "med": f"{today + dt.timedelta(days=20):%m/%d/%Y}",
    }
    expected = {code: text.format(**values) for code, text in EVERY.items()}
    shown = banner(as_csr, account)
    for code, text in expected.items():
        assert text in shown, code
    # The reference data keeps the medical certificate off payment entry.
    at_payment = payment_entry(as_csr, account)
    for code, text in expected.items():
        assert (text in at_payment) == (code != "medical"), code


def test_each_condition_alone_raises_only_its_alert(account, credit_ref, today):
    assert texts(account, today) == []
    account.customer.is_bankrupt = True
    account.customer.save()
    assert texts(account, today) == ["Bankruptcy: collection actions are suspended."]
    account.customer.is_bankrupt = False
    account.customer.save()
    MedicalCertificate.objects.create(
        account=account,
        certified_on=today + dt.timedelta(days=1),  # not yet valid
        expires_on=today + dt.timedelta(days=30),
        certifier="Dr. Ames",
    )
    assert texts(account, today) == []
    order = service_order_create(
        account=account,
        type=ServiceOrderType.objects.get(code="DISCNP"),
        effective_date=today,
        origin=ServiceOrder.Origin.JOB,
    )
    assert texts(account, today) == [f"Shut-off pending: disconnect order {order.number}."]
    order = service_order_dispatch(order=order)
    assert len(texts(account, today)) == 1  # dispatched is still pending
    service_order_cancel(order=order, reason="Paid before dispatch")
    assert texts(account, today) == []
    # A meter read is not a shut-off.
    service_order_create(
        account=account,
        type=ServiceOrderType.objects.get(code="METERREAD"),
        effective_date=today,
        origin=ServiceOrder.Origin.USER,
    )
    assert texts(account, today) == []
    arrangement = Arrangement.objects.create(
        number="ARR-1",
        account=account,
        balance_at_setup=100,
        amount=50,
        installments_count=2,
        frequency=Arrangement.Frequency.MONTHLY,
        start_on=today,
        status=Arrangement.Status.BROKEN,
    )
    assert texts(account, today) == []
    Arrangement.objects.filter(pk=arrangement.pk).update(status=Arrangement.Status.ACTIVE)
    assert texts(account, today) == ["Payment arrangement ARR-1 is active."]


def test_cash_only_starts_at_the_threshold_and_ends_when_points_expire(
    account, credit_ref, today, settings
):
    settings.OPENCIS_CASH_ONLY_THRESHOLD = 100
    credit_event_add(
        account=account,
        reason="NSF 1",
        cash_only_points=60,
        effective_on=today,
        expires_on=today + dt.timedelta(days=5),
    )
    assert texts(account, today) == []  # 60: under the threshold
    credit_event_add(account=account, reason="NSF 2", cash_only_points=40, effective_on=today)
    last = today + dt.timedelta(days=5)
    assert texts(account, today) == [
        f"Cash only: checks are not accepted (score 100, threshold 100, until {last:%m/%d/%Y})."
    ]
    assert texts(account, last + dt.timedelta(days=1)) == []


def test_alert_types_switched_off_in_the_admin_do_not_show(
    client, admin_user, as_csr, account, today
):
    no_penalty_demo_set(account=account, expires_on=None)
    assert NO_PENALTY in banner(as_csr, account)
    alert = AlertType.objects.get(code="no_penalty")
    admin_user.is_staff = True  # as demo_users makes Supervisors and Administrators
    admin_user.save()
    admin = client.__class__()
    admin.force_login(admin_user)
    response = admin.post(
        reverse("admin:delinquency_alerttype_change", args=[alert.pk]),
        {"text": alert.text, "on_panel": "on", "on_payment": "on"},  # Active unchecked
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    alert.refresh_from_db()
    assert alert.is_active is False
    assert NO_PENALTY not in banner(as_csr, account)
    assert NO_PENALTY not in payment_entry(as_csr, account)
    # Back on, but only for payment entry; and with the admin's own words.
    response = admin.post(
        reverse("admin:delinquency_alerttype_change", args=[alert.pk]),
        {"text": "Do not charge a late fee ({until}).", "on_payment": "on", "is_active": "on"},
    )
    assert response.status_code == 302
    assert banner(as_csr, account) == ""
    assert "Do not charge a late fee (further notice)." in payment_entry(as_csr, account)


def test_the_admin_lists_the_alert_types_and_deletes_none(client, admin_user, credit_ref):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    html = client.get(reverse("admin:delinquency_alerttype_changelist")).content.decode()
    for code in AlertType.Code.labels:
        assert code in html
    alert = AlertType.objects.get(code="medical")
    delete = client.get(reverse("admin:delinquency_alerttype_delete", args=[alert.pk]))
    assert delete.status_code == 403


def test_a_typed_text_with_stray_braces_does_not_break_the_panel():
    assert alert_text("Until {until}", until="05/01/2027") == "Until 05/01/2027"
    assert alert_text("Odd {text", until="x") == "Odd {text"
    assert alert_text("{nothing} here", until="x") == " here"
    assert alert_text("{0} {until.year}", until="x") == "{0} {until.year}"


def test_alerts_cost_two_queries_per_panel_view_shared_by_banner_and_payment_entry(
    rf, csr, account, credit_ref, today, settings, django_assert_max_num_queries
):
    _every_condition(account, today, settings)
    settings.OPENCIS_CASH_ONLY_THRESHOLD = 1000  # every condition but cash only
    request = rf.get("/")
    request.user = csr
    ctx = PanelContext(request=request, account=account)
    panel_facts(ctx)  # other apps' providers run too: measure ours alone below
    ctx = PanelContext(request=request, account=account)
    from delinquency.alerts import account_alerts

    with django_assert_max_num_queries(2):
        alerts = account_alerts(ctx)
    assert len(alerts) == 5
    with django_assert_max_num_queries(0):  # payment entry reuses the request's alerts
        assert len(payment_alerts(ctx)) == 4  # medical is panel-only
    # A cash-only account: one more, to say until when.
    settings.OPENCIS_CASH_ONLY_THRESHOLD = 100
    with django_assert_max_num_queries(3):
        assert len(account_alerts_compute(account_id=account.pk, today=today)) == 6
    # No active type: one query and nothing else.
    AlertType.objects.update(is_active=False)
    with django_assert_max_num_queries(1):
        assert account_alerts_compute(account_id=account.pk, today=today) == []
