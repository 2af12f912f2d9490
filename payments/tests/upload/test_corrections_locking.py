"""Two CSRs fix the same upload exception at once (two database connections, PostgreSQL
row locks). The correction locks deposit staging -> tender staging -> payment staging ->
exception, in the upload job's order: the second waits for the first and then finds the
exception resolved. Without those locks the second reads the line still in Error and
corrects it again over the first (this test then fails: tried by removing them)."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType

from accounts.models import ChangeRecord
from payments.exceptions import PaymentStateError
from payments.models import PaymentStaging, StagingStatus, UploadException
from payments.tests.test_locking import hold
from payments.upload.corrections import Correction, upload_exception_correct

from .worklist import BAD_AMOUNT, GOOD, billed, problem_file, today

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("pay_ref")]


def test_two_csrs_correcting_one_line_resolve_it_once():
    good, other = billed(GOOD), billed(BAD_AMOUNT)
    problem_file()
    exc = UploadException.objects.get(reason="bad_amount")  # raised at import
    ana = User.objects.create_user("ana")
    bo = User.objects.create_user("bo")

    def fix(user, account):
        return lambda: upload_exception_correct(
            exception=exc,
            correction=Correction(amount=D("10.00"), accounting_date=today(), account=account),
            user=user,
        )

    held = hold(fix(ana, good), fix(bo, other))

    assert held.first[0] == "ok" and held.blocked
    assert isinstance(held.error(), PaymentStateError)
    assert "already resolved by ana" in str(held.error())
    line = PaymentStaging.objects.get(pk=exc.payment_staging_id)
    assert line.status == StagingStatus.PENDING and line.account == good
    history = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(PaymentStaging), object_id=line.pk
    )
    assert set(history.values_list("user__username", flat=True)) == {"ana"}
    assert history.filter(field="status").count() == 1
