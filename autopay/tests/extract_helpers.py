"""Builders shared by the extract and balance-controls tests: billed accounts, activated
clearings, the outbox and running the jobs as an operator does (`runbatch`)."""

import datetime as dt
from decimal import Decimal as D
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from accounts.models import Account, SAType
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory, billed_sa
from autopay.models import Clearing, Enrollment

from .factories import clearing_posted

EXTRACT_ON = dt.date(2026, 1, 20)
SETTLES_ON = dt.date(2026, 1, 22)


def billed_account(first: str, last: str, amount: str = "100.00") -> Account:
    account = AccountFactory(customer__first_name=first, customer__last_name=last)
    sa = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="WATER"))
    billed_sa(D(amount), sa=sa)
    account.refresh_from_db()
    return account


def activated(enrollment: Enrollment, amount: str, settles_on=SETTLES_ON) -> Clearing:
    return clearing_posted(
        enrollment,
        amount,
        extract_on=EXTRACT_ON,
        gl_distribution_on=settles_on,
        status=Clearing.Status.ACTIVATED,
    )


def run_job(capture, job: str, *args: str, day: dt.date = EXTRACT_ON) -> str:
    """`runbatch JOB --date DAY ARGS` with on-commit callbacks run; its output."""
    out = StringIO()
    with capture(execute=True):
        call_command("runbatch", job, "--date", day.isoformat(), *args, stdout=out)
    return out.getvalue()


def run_extract(capture, *args: str, day: dt.date = EXTRACT_ON) -> str:
    return run_job(capture, "autopay_extract_ach", *args, day=day)


def ach_files(outbox: Path) -> list[Path]:
    return sorted(outbox.glob("*.ach"))
