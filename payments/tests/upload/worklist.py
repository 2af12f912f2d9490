"""What the upload exceptions tests share with the browser test: billed accounts, a CSV
file with one good line, one unreadable amount and one unknown account, and the nightly
upload as `runbatch` runs it."""

import datetime as dt
from decimal import Decimal as D

from django.utils import timezone

from accounts.tests.factories import AccountFactory, CustomerFactory
from cis.batch import batch_run
from payments.models import Payment
from payments.tests.factories import bill, sa_add
from payments.upload.intake import upload_file_import

GOOD, BAD_AMOUNT, UNKNOWN = "1000000001", "1000000002", "4444444444"


def today() -> dt.date:
    return timezone.localdate()


def billed(number: str, **customer) -> object:
    """An account owing 300.00 of water, so a payment distributes and freezes."""
    account = AccountFactory(number=number, customer=CustomerFactory(**customer))
    bill(account, {sa_add(account, "WATER"): 300}, bill_date=today() - dt.timedelta(days=20))
    return account


def problem_file(name: str = "remittance.csv", day: dt.date | None = None):
    """File line 2 posts, line 3's amount is unreadable (an exception at import), line 4's
    account is unknown (with no suspense account, an exception at upload)."""
    day = day or today() - dt.timedelta(days=1)
    text = (
        "account,amount,date,check_number,payer_name,payee_accounts\n"
        f"{GOOD},10.00,{day.isoformat()},5001,ANA RUIZ,\n"
        f"{BAD_AMOUNT},1O.00,{day.isoformat()},5002,BO CHEN,\n"
        f"{UNKNOWN},25.00,{day.isoformat()},5003,CY DOE,\n"
    )
    upload = upload_file_import(name=name, data=text.encode(), format="csv", channel="inbox")
    assert upload.status == "staged", upload.rejection_reason
    return upload


def nightly(day: dt.date | None = None, *, force: bool = False) -> None:
    """The upload and its To Do job, as the nightly chain (or `runbatch --force`) runs
    them."""
    day = day or today()
    for job in ("payment_upload", "payment_upload_todo"):
        run = batch_run(job_name=job, business_date=day, force=force)
        assert run.status == "complete", (job, run.errors)


def frozen(account) -> list[D]:
    return sorted(
        p.amount for p in Payment.objects.filter(account=account, status=Payment.Status.FROZEN)
    )
