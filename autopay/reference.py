"""Autopay reference data: the cancel reasons ACH returns use, the return-code table
(issue 10 item 5; NACHA Operating Rules, Appendix Four) and the default originator.
Loaded by `seed_demo` and the tests; a utility edits all of it in the admin."""

from django.db import transaction

from accounts.reference import rows_ensure
from payments.models import PaymentCancelReason
from payments.reference import reference_data_load as payments_reference_load

from .models import AchOriginator, Enrollment, ReturnCodeRule

# code: (description, NSF, fee, credit points, cash-only points, days, review, stop autopay)
CANCEL_REASONS = {
    "ACHINVALID": (
        "ACH return: bank account closed or invalid",
        False,
        "0",
        0,
        0,
        None,
        False,
        True,
    ),
    "ACHUNAUTH": ("ACH return: debit not authorized", False, "0", 0, 0, None, False, True),
    "CARDDECL": ("Card declined by the processor", False, "0", 0, 0, None, False, False),
    "ACHRETURN": ("ACH return: other", False, "0", 0, 0, None, False, False),
}

Category = ReturnCodeRule.Category
Stop = Enrollment.StopReason
# code: (description, category, cancel reason, stop reason or "", re-presentments)
RETURN_CODES = {
    "R01": ("Insufficient funds", Category.NSF, "NSF", "", 2),
    "R09": ("Uncollected funds", Category.NSF, "NSF", "", 2),
    "R02": ("Account closed", Category.ADMINISTRATIVE, "ACHINVALID", Stop.BANK_ACCOUNT_INVALID, 0),
    "R03": (
        "No account / unable to locate account",
        Category.ADMINISTRATIVE,
        "ACHINVALID",
        Stop.BANK_ACCOUNT_INVALID,
        0,
    ),
    "R04": (
        "Invalid account number",
        Category.ADMINISTRATIVE,
        "ACHINVALID",
        Stop.BANK_ACCOUNT_INVALID,
        0,
    ),
    "R05": (
        "Unauthorized debit to consumer account",
        Category.UNAUTHORIZED,
        "ACHUNAUTH",
        Stop.UNAUTHORIZED,
        0,
    ),
    "R07": (
        "Authorization revoked by customer",
        Category.UNAUTHORIZED,
        "ACHUNAUTH",
        Stop.UNAUTHORIZED,
        0,
    ),
    "R10": (
        "Customer advises not authorized",
        Category.UNAUTHORIZED,
        "ACHUNAUTH",
        Stop.UNAUTHORIZED,
        0,
    ),
    "R11": (
        "Customer advises entry not in accordance with the authorization",
        Category.UNAUTHORIZED,
        "ACHUNAUTH",
        Stop.UNAUTHORIZED,
        0,
    ),
    "R29": (
        "Corporate customer advises not authorized",
        Category.UNAUTHORIZED,
        "ACHUNAUTH",
        Stop.UNAUTHORIZED,
        0,
    ),
    "R51": (
        "Item related to RCK entry is ineligible or improper",
        Category.UNAUTHORIZED,
        "ACHUNAUTH",
        Stop.UNAUTHORIZED,
        0,
    ),
    "R06": ("Returned per ODFI's request", Category.OTHER, "ACHRETURN", "", 0),
    "R08": ("Payment stopped", Category.OTHER, "STOPPAY", "", 0),
    "R16": ("Account frozen", Category.ADMINISTRATIVE, "ACHINVALID", Stop.BANK_ACCOUNT_INVALID, 0),
    "R20": (
        "Non-transaction account",
        Category.ADMINISTRATIVE,
        "ACHINVALID",
        Stop.BANK_ACCOUNT_INVALID,
        0,
    ),
}
# Any code not in the table is applied with this rule's effects (cancel, no stop) and the
# entry is flagged for review.
FALLBACK_RETURN_CODE = "R06"


@transaction.atomic
def reference_data_load() -> None:
    payments_reference_load()
    rows_ensure(
        PaymentCancelReason,
        {
            code: {
                "description": description,
                "is_nsf": nsf,
                "fee_amount": fee,
                "credit_rating_points": credit,
                "cash_only_points": cash,
                "credit_event_days": days,
                "creates_collection_review": review,
                "stops_autopay": stops,
            }
            for code, (description, nsf, fee, credit, cash, days, review, stops) in (
                CANCEL_REASONS.items()
            )
        },
    )
    reasons = {r.code: r for r in PaymentCancelReason.objects.all()}
    rows_ensure(
        ReturnCodeRule,
        {
            code: {
                "description": description,
                "category": category,
                "cancel_reason": reasons[reason],
                "stops_autopay": bool(stop),
                "stop_reason": stop,
                "max_representments": represent,
            }
            for code, (description, category, reason, stop, represent) in RETURN_CODES.items()
        },
    )
    AchOriginator.objects.get_or_create(
        code="MAIN",
        defaults={
            "company_name": "OPENCIS UTILITY",
            "company_id": "1234567890",
            "odfi_routing": "07100050",
            "immediate_destination": "071000505",
            "destination_name": "FEDERAL RESERVE BANK",
            "immediate_origin": "1234567890",
            "origin_name": "OPENCIS UTILITY",
            "entry_description": "UTILITY",
            "is_default": True,
        },
    )
