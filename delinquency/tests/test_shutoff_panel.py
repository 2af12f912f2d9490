"""The Shut-off tab: why (not) eligible per rule, medical certificates (add, renew within
the cap), bill disputes (open, resolve), moratorium days; Supervisors add, CSRs view."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from accounts.tests.conftest import PASSWORD
from cis.batch import batch_run
from delinquency.models import BillDispute, MedicalCertificate, MoratoriumDay, ServiceTerritory

from .shutoff_builders import AS_OF, candidate, ref_load

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _ref(db):
    ref_load()


def _user(role: str) -> User:
    user = User.objects.create_user(f"{role.lower()}-shutoff", password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def csr_user(db):
    return _user("CSR")


@pytest.fixture
def supervisor_user(db):
    return _user("Supervisor")


@pytest.fixture
def account():
    return candidate()


def login(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def tab(client, account):
    return client.get(reverse("acp:tab", args=[account.number, "shutoff"]), **HX)


def url(name, account, *args):
    return reverse(f"delinquency_shutoff:{name}", args=[account.number, *args])


def test_csr_sees_why_an_account_is_not_eligible_and_cannot_add(client, csr_user, account):
    MedicalCertificate.objects.create(
        account=account, certified_on=AS_OF, expires_on=AS_OF, certifier="Dr. Lee"
    )
    batch_run(job_name="shutoff_candidates", business_date=AS_OF)
    login(client, csr_user)
    response = tab(client, account)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="tab-shutoff"' in html
    assert 'data-eligible="false"' in html
    assert "No valid medical certificate: Medical certificate valid until 06/01/2026" in html
    assert 'data-rule="medical" class="rule-failed"' in html
    assert 'data-rule="past_due" class="rule-passed"' in html
    assert "Past due 120.00, minimum 50.00" in html
    assert "Dr. Lee" in html
    assert "Add medical certificate" not in html and "Open a bill dispute" not in html
    post = client.post(
        url("certificate-add", account),
        {"cert-certified_on": "2026-06-01", "cert-expires_on": "2026-07-01", "cert-certifier": "X"},
        **HX,
    )
    assert post.status_code == 403
    assert client.post(url("dispute-open", account), {}, **HX).status_code == 403


def test_eligible_account_shows_its_disconnect_order(client, csr_user, account):
    batch_run(job_name="shutoff_candidates", business_date=AS_OF)
    html = tab(login(client, csr_user), account).content.decode()
    assert 'data-eligible="true"' in html and "disconnect order SO-" in html


def test_supervisor_adds_and_renews_a_certificate_up_to_the_cap(
    client, supervisor_user, account, settings
):
    settings.OPENCIS_MEDICAL_RENEWALS_PER_YEAR = 1
    login(client, supervisor_user)
    response = client.post(
        url("certificate-add", account),
        {
            "cert-certified_on": "2026-06-01",
            "cert-expires_on": "2026-06-30",
            "cert-certifier": "Dr. Lee",
        },
        **HX,
    )
    assert response.status_code == 200 and "Medical certificate added." in response.content.decode()
    first = MedicalCertificate.objects.get(account=account)
    assert first.created_by == supervisor_user
    renew = {"renew-certified_on": "2026-06-30", "renew-expires_on": "2026-07-31"}
    response = client.post(url("certificate-renew", account, first.pk), renew, **HX)
    assert response.status_code == 200
    second = MedicalCertificate.objects.get(renews=first)
    renew = {"renew-certified_on": "2026-07-31", "renew-expires_on": "2026-08-31"}
    response = client.post(url("certificate-renew", account, second.pk), renew, **HX)
    assert response.status_code == 422
    assert "the limit is 1" in response.content.decode()
    assert MedicalCertificate.objects.filter(account=account).count() == 2


def test_supervisor_opens_and_resolves_a_dispute(client, supervisor_user, account):
    login(client, supervisor_user)
    response = client.post(
        url("dispute-open", account),
        {
            "dispute-bill": account.test_bill.pk,
            "dispute-opened_on": "2026-05-20",
            "dispute-reason": "Meter misread",
        },
        **HX,
    )
    assert response.status_code == 200
    dispute = BillDispute.objects.get(account=account)
    assert dispute.resolved_on is None and "Meter misread" in response.content.decode()
    response = client.post(url("dispute-resolve", account, dispute.pk), **HX)
    assert response.status_code == 200
    dispute.refresh_from_db()
    assert dispute.resolved_on is not None


def test_the_territorys_moratorium_days_are_listed(client, csr_user, account):
    account.location.postal_code = "55701"
    account.location.save()
    north = ServiceTerritory.objects.create(code="N", description="North", postal_prefixes=["557"])
    south = ServiceTerritory.objects.create(code="S", description="South", postal_prefixes=["300"])
    today = dt.date.today()
    MoratoriumDay.objects.create(territory=north, day=today, kind="cold", reason="north cold")
    MoratoriumDay.objects.create(territory=south, day=today, kind="hot", reason="south heat")
    MoratoriumDay.objects.create(territory=None, day=today + dt.timedelta(days=1), kind="hot")
    html = tab(login(client, csr_user), account).content.decode()
    assert "north cold" in html and "south heat" not in html
    assert "All territories" in html and "N (North)" in html


def test_the_panel_opens_on_the_shutoff_tab(client, csr_user, account):
    batch_run(job_name="shutoff_candidates", business_date=AS_OF)
    response = login(client, csr_user).get(
        reverse("acp:panel", args=[account.number]), {"tab": "shutoff"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-tab="shutoff"' in html and 'id="shutoff-verdict"' in html


def test_territories_and_moratorium_days_in_the_admin(client, account):
    admin = _user("Administrator")
    admin.is_staff = True
    admin.save()
    login(client, admin)
    north = ServiceTerritory.objects.create(code="N", description="North", postal_prefixes=["557"])
    MoratoriumDay.objects.create(territory=north, day=AS_OF, kind="cold")
    for name in ("serviceterritory", "moratoriumday", "shutoffevaluation"):
        response = client.get(reverse(f"admin:delinquency_{name}_changelist"))
        assert response.status_code == 200, name
    response = client.get(reverse("admin:delinquency_serviceterritory_change", args=[north.pk]))
    assert response.status_code == 200 and "Moratorium days" in response.content.decode()


def test_shutoff_pending_while_the_jobs_order_is_open(rf, csr_user, account):
    from accounts.panel import PanelContext, panel_facts
    from serviceorders.services.orders import service_order_cancel

    request = rf.get("/")
    request.user = csr_user
    assert not panel_facts(PanelContext(request=request, account=account)).shutoff_pending
    batch_run(job_name="shutoff_candidates", business_date=AS_OF)
    assert panel_facts(PanelContext(request=request, account=account)).shutoff_pending
    order = account.shutoff_evaluations.get().service_order
    service_order_cancel(order=order, reason="paid at the counter")
    assert not panel_facts(PanelContext(request=request, account=account)).shutoff_pending
