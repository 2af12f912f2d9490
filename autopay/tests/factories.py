"""Shared test builders for autopay: enrollments, and clearing records with their payment
posted the way the autopay jobs post it (tender source AUTOPAY, ACH or CARD tender,
external id AUTOPAY-<clearing id>, accounting date = the GL distribution date)."""

import datetime as dt
from decimal import Decimal

from accounts.models import Account
from autopay.models import Clearing, Enrollment
from payments.models import Payment, Tender, TenderSource, TenderType
from payments.services.bulk import BulkPayment, payments_post_bulk

ROUTING = "011000015"


def draft_enrollment(account: Account, **fields) -> Enrollment:
    number = fields.pop("bank_account_number", "000123456789")
    data = {
        "account": account,
        "kind": Enrollment.Kind.DRAFT,
        "bank_account_type": Enrollment.BankAccountType.CHECKING,
        "routing_number": ROUTING,
        "bank_account_number": number,
        "bank_account_last4": number[-4:],
        "amount_option": Enrollment.AmountOption.BALANCE,
        "start_on": dt.date(2026, 1, 1),
    }
    data.update(fields)
    return Enrollment.objects.create(**data)


def card_enrollment(account: Account, **fields) -> Enrollment:
    data = {
        "account": account,
        "kind": Enrollment.Kind.CARD,
        "processor": "sandbox",
        "card_token": "sbx_approve_visa_4242_1230",
        "card_brand": "visa",
        "card_last4": "4242",
        "card_expires_on": dt.date(2030, 12, 31),
        "amount_option": Enrollment.AmountOption.BALANCE,
        "start_on": dt.date(2026, 1, 1),
    }
    data.update(fields)
    return Enrollment.objects.create(**data)


def clearing_posted(
    enrollment: Enrollment,
    amount: Decimal | str,
    *,
    extract_on: dt.date,
    gl_distribution_on: dt.date,
    status: str = Clearing.Status.FROZEN,
    **fields,
) -> Clearing:
    """A clearing record whose payment is distributed and frozen, left in `status`
    (frozen, activated or extracted; pass trace_number / extract for extracted ones)."""
    amount = Decimal(amount)
    clearing = Clearing.objects.create(
        enrollment=enrollment,
        account_id=enrollment.account_id,
        kind=enrollment.kind,
        status=status,
        amount=amount,
        extract_on=extract_on,
        gl_distribution_on=gl_distribution_on,
        payment_on=extract_on,
        **fields,
    )
    card = enrollment.kind == Enrollment.Kind.CARD
    item = BulkPayment(
        account_id=enrollment.account_id,
        amount=amount,
        tender_type_id=TenderType.objects.get(code="CARD" if card else "ACH").pk,
        accounting_date=gl_distribution_on,
        payment_date=extract_on,
        processor_token=enrollment.card_token if card else "",
        last4=enrollment.card_last4 if card else enrollment.bank_account_last4,
        external_id=f"AUTOPAY-{clearing.pk}",
    )
    source = TenderSource.objects.get(code="AUTOPAY")
    result = payments_post_bulk(items=[item], tender_source=source)
    assert result.frozen == 1, result.errors
    payment = Payment.objects.get(pk=result.payment_ids[0])
    tender = Tender.objects.get(event_id=payment.event_id)
    Clearing.objects.filter(pk=clearing.pk).update(payment=payment, tender=tender)
    clearing.refresh_from_db()
    return clearing
