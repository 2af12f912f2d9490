"""Builders of upload staging rows, as the file parsers create them."""

import datetime as dt
from decimal import Decimal

from payments.models import (
    DepositStaging,
    PayAdviceStaging,
    PaymentStaging,
    TenderStaging,
    UploadFile,
)
from payments.tests.factories import source, tender_type

DAY = dt.date(2026, 2, 1)
_seq = iter(range(1, 10**6))


def upload(
    lines,
    *,
    expected_count=None,
    expected_total=None,
    tender_count=None,
    tender_total=None,
    day=DAY,
):
    """One file, one deposit, one tender group; `lines` are dicts of PaymentStaging fields
    plus an optional `advices` list of (account number, amount)."""
    n = next(_seq)
    f = UploadFile.objects.create(name=f"file{n}.csv", format="csv", size=1, sha256=f"{n:064d}")
    deposit = DepositStaging.objects.create(
        upload_file=f,
        deposit_date=day,
        expected_count=expected_count,
        expected_total=expected_total,
    )
    tender = TenderStaging.objects.create(
        deposit_staging=deposit,
        tender_source=source(),
        reference=f"B{n}",
        expected_count=tender_count,
        expected_total=tender_total,
    )
    for number, line in enumerate(lines, 1):
        line = dict(line)
        advices = line.pop("advices", [])
        amount = line.pop("amount", None)
        staging = PaymentStaging.objects.create(
            tender_staging=tender,
            line_number=number,
            amount_text=line.pop("amount_text", str(amount)),
            amount=Decimal(str(amount)) if amount is not None else None,
            tender_type=tender_type("CHECK"),
            payment_date=day,
            accounting_date=line.pop("accounting_date", day),
            **line,
        )
        for ref, value in advices:
            PayAdviceStaging.objects.create(
                payment_staging=staging,
                account_reference=ref,
                amount=Decimal(str(value)),
                amount_text=str(value),
            )
    return f
