"""Shared test builders for autopay: enrollments, and clearing records with their payment
posted by the jobs' posting service (tender source AUTOPAY, ACH or CARD tender, external
id AUTOPAY-<clearing id>, accounting date = the GL distribution date)."""

import datetime as dt
from decimal import Decimal

from accounts.models import Account
from autopay.demo import demo_clearing_create, demo_clearings_post
from autopay.models import Clearing, Enrollment

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
    """A clearing record whose payment is distributed and frozen by the posting service,
    left in `status` (frozen, activated or extracted; pass trace_number / extract for
    extracted ones)."""
    clearing = demo_clearing_create(
        enrollment,
        Decimal(amount),
        extract_on=extract_on,
        gl_distribution_on=gl_distribution_on,
        status=status,
        **fields,
    )
    demo_clearings_post([clearing])
    clearing.refresh_from_db()
    return clearing
