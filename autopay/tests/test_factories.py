"""The shared builder posts an autopay payment the way the jobs do, ledger balanced."""

import datetime as dt
from decimal import Decimal as D

from autopay.models import Clearing

from .factories import clearing_posted, draft_enrollment


def test_a_posted_clearing_pays_the_account_through_the_autopay_source(account, autopay_reference):
    from django.core.management import call_command

    clearing = clearing_posted(
        draft_enrollment(account),
        "100.00",
        extract_on=dt.date(2026, 1, 20),
        gl_distribution_on=dt.date(2026, 1, 22),
        status=Clearing.Status.ACTIVATED,
    )
    account.refresh_from_db()
    assert account.balance == D("0.00")
    assert clearing.payment.status == "frozen"
    assert clearing.tender.event.tender_source.code == "AUTOPAY"
    assert clearing.tender.tender_type.code == "ACH"
    call_command("check_ledger")
