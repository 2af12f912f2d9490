# ruff: noqa: F811 - pytest fixtures imported from accounts.tests.conftest, used as arguments
"""The Credit tab (issue 12 items 3 and 6; seed 000 "No Penalty Option for Delinquents"):
a Supervisor sets No Penalty and its expire date, with the account's change history; a
CSR reads it and is refused a change (403); an expire date in the past is refused and
clearing the flag clears the date. The tab shows the credit rating and cash-only score
with every event behind them (seed 003 step 4.3 / seed 001 step 5.2), the fallen-off
ones marked, and whether payments refuses checks, with the causes."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import ChangeRecord, CreditRatingEvent
from accounts.panel import PanelContext
from accounts.services.work import credit_event_add
from accounts.tests.conftest import (  # noqa: F401 - shared fixtures
    account,
    admin_user,
    csr,
    make_user,
    supervisor,
)
from delinquency.models import CreditAttributes
from delinquency.panel_credit import has_records
from delinquency.services.credit import credit_attributes_update, no_penalty_demo_set
from payments.exceptions import PaymentRefused
from payments.services.acceptance import payment_acceptance_check

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def credit_ref(reference_data):
    """Accounts, payments, service orders and delinquency reference data (alert types)."""
    from delinquency.reference import reference_data_load as delinquency_load
    from payments.reference import reference_data_load as payments_load
    from serviceorders.reference import reference_data_load as serviceorders_load

    payments_load()
    serviceorders_load()
    delinquency_load()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def as_supervisor(client, supervisor, credit_ref):
    client.force_login(supervisor)
    return client


@pytest.fixture
def as_csr(client, csr, credit_ref):
    client.force_login(csr)
    return client


def save(client, account, *, no_penalty: bool, expires: dt.date | str | None = None):
    data = {"credit-no_penalty_expires_on": str(expires or "")}
    if no_penalty:
        data["credit-no_penalty"] = "on"
    return client.post(reverse("credit:attributes", args=[account.number]), data, **HX)


def credit_tab(client, account) -> str:
    response = client.get(reverse("acp:tab", args=[account.number, "credit"]), **HX)
    assert response.status_code == 200
    return response.content.decode()


def changes(account) -> dict[str, tuple[str, str]]:
    rows = ChangeRecord.objects.filter(account=account).order_by("pk")
    return {r.field: (r.old_value, r.new_value) for r in rows}


def test_a_supervisor_sets_no_penalty_with_an_expire_date_and_history(
    as_supervisor, supervisor, account, today
):
    until = today + dt.timedelta(days=30)
    response = save(as_supervisor, account, no_penalty=True, expires=until)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "acp-changed"  # the banner fetches its alerts again
    html = response.content.decode()
    assert "Credit attributes saved." in html
    attrs = CreditAttributes.objects.get(account=account)
    assert (attrs.no_penalty, attrs.no_penalty_expires_on) == (True, until)
    assert attrs.updated_by == supervisor
    assert changes(account) == {
        "no_penalty": ("No", "Yes"),
        "no_penalty_expires_on": ("", str(until)),
    }
    assert ChangeRecord.objects.filter(account=account, user=supervisor).count() == 2
    assert ChangeRecord.objects.filter(customer=account.customer).count() == 2
    # The tab shows the history with who changed what.
    assert 'data-no-penalty="active"' in html
    assert until.strftime("%m/%d/%Y") in html
    history = html.split('class="changes"')[1]
    assert "supervisor" in history and "No penalty" in history


def test_clearing_no_penalty_clears_its_date_and_is_recorded(as_supervisor, account, today):
    until = today + dt.timedelta(days=10)
    save(as_supervisor, account, no_penalty=True, expires=until)
    # Unchecked with the date still in its field: the date goes with the flag.
    response = save(as_supervisor, account, no_penalty=False, expires=until)
    assert response.status_code == 200
    attrs = CreditAttributes.objects.get(account=account)
    assert (attrs.no_penalty, attrs.no_penalty_expires_on) == (False, None)
    latest = ChangeRecord.objects.filter(account=account).order_by("-pk")[:2]
    assert {(r.field, r.old_value, r.new_value) for r in latest} == {
        ("no_penalty", "Yes", "No"),
        ("no_penalty_expires_on", str(until), ""),
    }
    assert 'data-no-penalty="off"' in response.content.decode()


def test_saving_nothing_new_writes_no_history(as_supervisor, account, today):
    save(as_supervisor, account, no_penalty=True)
    save(as_supervisor, account, no_penalty=True)
    assert changes(account) == {"no_penalty": ("No", "Yes")}
    assert ChangeRecord.objects.filter(account=account).count() == 1


def test_an_expire_date_in_the_past_is_refused(as_supervisor, account, today):
    response = save(as_supervisor, account, no_penalty=True, expires=today - dt.timedelta(days=1))
    assert response.status_code == 422
    html = response.content.decode()
    field = html.split('data-field="no_penalty_expires_on"')[1].split("</div>")[0]
    assert f"The expire date must be today ({today:%m/%d/%Y}) or later." in field
    assert not CreditAttributes.objects.exists()
    assert not ChangeRecord.objects.filter(account=account).exists()
    # Today itself is fine: the last day without a late charge.
    assert save(as_supervisor, account, no_penalty=True, expires=today).status_code == 200
    assert CreditAttributes.objects.get(account=account).no_penalty_expires_on == today


def test_a_csr_reads_the_attributes_and_gets_403_on_a_change(as_csr, csr, account, today):
    no_penalty_demo_set(account=account, expires_on=today + dt.timedelta(days=5))
    html = credit_tab(as_csr, account)
    assert 'data-no-penalty="active"' in html
    assert 'id="credit-read-only"' in html
    assert "credit-attributes-form" not in html
    response = save(as_csr, account, no_penalty=False)
    assert response.status_code == 403
    assert CreditAttributes.objects.get(account=account).no_penalty is True
    # The service refuses too, whoever calls it.
    with pytest.raises(PermissionDenied):
        credit_attributes_update(account=account, no_penalty=False, user=csr)
    assert CreditAttributes.objects.get(account=account).no_penalty is True


def test_the_service_refuses_a_date_without_the_flag_and_a_past_date(supervisor, account, today):
    with pytest.raises(ValidationError) as err:
        credit_attributes_update(
            account=account, no_penalty=False, no_penalty_expires_on=today, user=supervisor
        )
    assert "no_penalty_expires_on" in err.value.message_dict
    with pytest.raises(ValidationError):
        credit_attributes_update(
            account=account,
            no_penalty=True,
            no_penalty_expires_on=today - dt.timedelta(days=1),
            user=supervisor,
        )
    assert not CreditAttributes.objects.exists()


def test_an_administrator_may_set_no_penalty(admin_user, account):
    attrs = credit_attributes_update(account=account, no_penalty=True, user=admin_user)
    assert attrs.no_penalty and attrs.no_penalty_expires_on is None


def test_the_demo_function_sets_no_penalty_as_system(account, today):
    until = today + dt.timedelta(days=14)
    no_penalty_demo_set(account=account, expires_on=until)
    no_penalty_demo_set(account=account, expires_on=until)  # idempotent
    attrs = CreditAttributes.objects.get(account=account)
    assert attrs.no_penalty_active(until) and not attrs.no_penalty_active(
        until + dt.timedelta(days=1)
    )
    assert ChangeRecord.objects.filter(account=account, user=None).count() == 2


def test_rating_history_fallen_off_events_and_the_causes_of_cash_only(
    as_csr, account, today, settings
):
    settings.OPENCIS_CASH_ONLY_THRESHOLD = 100
    first_off = today + dt.timedelta(days=20)
    nsf1 = credit_event_add(
        account=account,
        reason="NSF check returned",
        credit_rating_points=-40,
        cash_only_points=60,
        effective_on=today - dt.timedelta(days=30),
        expires_on=first_off,
    )
    nsf2 = credit_event_add(
        account=account,
        reason="Second NSF",
        credit_rating_points=-40,
        cash_only_points=50,
        effective_on=today - dt.timedelta(days=5),
        expires_on=today + dt.timedelta(days=300),
    )
    old = credit_event_add(
        account=account,
        reason="Broken arrangement",
        credit_rating_points=-50,
        cash_only_points=80,
        effective_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=1),
    )
    html = credit_tab(as_csr, account)
    assert 'data-credit-rating="620"' in html  # 700 - 40 - 40; the old -50 fell off
    assert 'data-cash-score="110"' in html and 'data-threshold="100"' in html
    assert 'data-checks-blocked="yes"' in html
    assert f'data-event="{old.pk}" data-state="fallen_off"' in html
    assert f'data-event="{nsf1.pk}" data-state="in_effect"' in html
    causes = html.split('id="cash-only-causes"')[1].split("</ul>")[0]
    assert f'data-event="{nsf1.pk}"' in causes and f'data-event="{nsf2.pk}"' in causes
    assert f'data-event="{old.pk}"' not in causes
    # When nsf1 falls off the score is 50: cash only through its expire date.
    assert f"until {first_off:%m/%d/%Y}" in html
    assert "Refused: Check, Credit / debit card, ACH / bank draft, Other." in html
    # What the tab says is what payments does.
    with pytest.raises(PaymentRefused):
        payment_acceptance_check(
            payee_ids=[account.pk], payor_ids=[], categories={"check"}, as_of=today
        )
    payment_acceptance_check(payee_ids=[account.pk], payor_ids=[], categories={"cash"}, as_of=today)


def test_under_the_threshold_checks_are_accepted_unless_the_customer_disallows_them(
    as_csr, account, today, settings
):
    settings.OPENCIS_CASH_ONLY_THRESHOLD = 100
    credit_event_add(account=account, reason="NSF", cash_only_points=40, effective_on=today)
    html = credit_tab(as_csr, account)
    assert 'data-cash-score="40"' in html and 'data-checks-blocked="no"' in html
    account.customer.disallowed_pay_methods = ["check"]
    account.customer.save()
    html = credit_tab(as_csr, account)
    assert 'data-checks-blocked="yes"' in html
    assert "disallowed pay methods include checks" in html
    assert 'id="cash-only-causes"' not in html


def test_the_tab_is_marked_when_no_penalty_is_set_or_events_exist(
    rf, csr, account, today, django_assert_num_queries
):
    def marked() -> bool:
        request = rf.get("/")
        request.user = csr
        ctx = PanelContext(request=request, account=account)
        with django_assert_num_queries(1):
            return has_records(ctx)

    assert not marked()
    no_penalty_demo_set(account=account, expires_on=None)
    assert marked()
    CreditAttributes.objects.update(no_penalty=False)
    assert not marked()
    CreditRatingEvent.objects.create(account=account, reason="NSF", effective_on=today)
    assert marked()
