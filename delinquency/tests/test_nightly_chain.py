"""The nightly chain (issue 12 item 9): notices -> email copies -> penalties -> arrangement
review -> shut-off candidates, in beat, editable in the admin; a job name no app has
registered (yet) is skipped and the chain goes on."""

import json
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from cis.models import BatchRun
from cis.tasks import nightly_batch_task
from delinquency.models import LateNotice, PenaltyDecision

from .conftest import AS_OF, PASSWORD, past_due

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
DELINQUENCY = [
    "delinquency_notices",
    "late_notice_delivery",
    "delinquency_penalties",
    "arrangement_review",
    "shutoff_candidates",
]


def test_the_delinquency_jobs_run_nightly_after_the_payments():
    jobs = json.loads(PeriodicTask.objects.get(name="OpenCIS nightly batch").kwargs)["jobs"]
    at = jobs.index("delinquency_notices")
    assert jobs[at : at + len(DELINQUENCY)] == DELINQUENCY
    assert jobs.index("payment_upload") < at
    assert jobs.index("autopay_distribute_freeze") < at
    assert jobs[-1] == "reconnect_held_payments"  # still last (serviceorders' own test)


def test_the_chain_runs_in_order_and_skips_jobs_not_registered(
    policy, django_capture_on_commit_callbacks
):
    sa = past_due("100.00", days=25)
    with django_capture_on_commit_callbacks(execute=True):
        nightly_batch_task(["not_a_job", *DELINQUENCY], AS_OF.isoformat())
    runs = {r.job: r for r in BatchRun.objects.filter(business_date=AS_OF)}
    assert {"delinquency_notices", "late_notice_delivery", "delinquency_penalties"} <= set(runs)
    assert all(r.status == "complete" for r in runs.values())
    assert LateNotice.objects.get().account_id == sa.account_id
    assert PenaltyDecision.objects.get().outcome == "charged"


def test_the_delinquency_tab_explains_notices_and_penalties(client, csr, policy):
    from cis.batch import batch_run
    from delinquency.models import CreditAttributes

    sa = past_due("100.00", days=25)
    other = past_due("100.00", days=25)
    CreditAttributes.objects.create(account=other.account, no_penalty=True)
    for job in ("delinquency_notices", "delinquency_penalties"):
        batch_run(job_name=job, business_date=AS_OF)
    client.login(username=csr.username, password=PASSWORD)

    page = client.get(reverse("acp:tab", args=[other.account.number, "delinquency"]), **HX)
    html = page.content.decode()
    assert page.status_code == 200
    assert "06/01/2026" in html and "No Penalty is set" in html
    notice = LateNotice.objects.get(account=other.account)
    pdf_url = reverse("delinquency_notices:notice-pdf", args=[other.account.number, notice.pk])
    assert pdf_url in html
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Another account's notice is not reachable through this account.
    mine = LateNotice.objects.get(account=sa.account)
    wrong = reverse("delinquency_notices:notice-pdf", args=[other.account.number, mine.pk])
    assert client.get(wrong).status_code == 404

    charged = client.get(reverse("acp:tab", args=[sa.account.number, "delinquency"]), **HX)
    assert "Late charge" in charged.content.decode() and "1.50" in charged.content.decode()

    control = client.get(reverse("delinquency_notices:control"))
    assert control.status_code == 200
    run = client.get(reverse("delinquency_notices:print-run", args=["2026-06-01"]))
    assert run.content.startswith(b"%PDF")


def test_the_demo_entry_point_runs_notices_emails_and_penalties(policy):
    from accounts.ledger_checks import ledger_breaches
    from delinquency.demo_support import notices_and_penalties_seed

    sa = past_due("80.00", days=25)
    runs = notices_and_penalties_seed(AS_OF)
    assert [r.status for r in runs.values()] == ["complete"] * 3
    assert runs["delinquency_penalties"].money == D("1.20")
    assert sa.account.late_notices.count() == 1
    notices_and_penalties_seed(AS_OF)  # again: nothing twice
    assert PenaltyDecision.objects.count() == 1 and LateNotice.objects.count() == 1
    assert list(ledger_breaches()) == []
