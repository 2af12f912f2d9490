"""Starter payment configuration (idempotent), on top of the accounts reference data: tender
types and sources, cancel reasons, distribution and overpayment rules, distribution codes,
and the system account non-CIS payments post to. Utilities edit all of it in the admin."""

from decimal import Decimal

from django.db import transaction

from accounts.models import AdjustmentType, GLAccount, SAType
from accounts.reference import reference_data_load as accounts_reference_load
from accounts.reference import rows_ensure

from .distribution import DistributionAlgorithm
from .models import (
    DistributionCode,
    DistributionRule,
    OverpaymentRule,
    PaymentCancelReason,
    TenderCategory,
    TenderSource,
    TenderType,
)

GL_ACCOUNTS = {
    "1010": "Cash clearing - card processor",
    "1020": "Cash clearing - ACH",
    "4950": "Non-CIS receipts",
    "2400": "Charitable donations payable",  # deferred charges' round-up donations
}
# code: (description, category, NSF reasons apply, cashed when returned: charge type)
TENDER_TYPES = {
    "CASH": ("Cash", TenderCategory.CASH, False, None),
    "CHECK": ("Personal check", TenderCategory.CHECK, True, "RETCHECK"),
    "CASHIERS": ("Cashier's check", TenderCategory.CHECK, True, "RETCHECK"),
    "MONEYORD": ("Money order", TenderCategory.MONEY_ORDER, False, None),
    "CARD": ("Credit / debit card", TenderCategory.CARD, True, None),
    "ACH": ("ACH bank draft", TenderCategory.ACH, True, None),
}
# Cash Check: a cashed check returned unpaid is charged to the payor; the offset is the
# cash in bank the bank takes back (code: description, offset GL).
ADJUSTMENT_TYPES = {"RETCHECK": ("Returned cashed check", "1000")}
TENDER_SOURCES = {
    "CASHIER": ("Cashier station", TenderSource.Kind.CASHIER, "1000"),
    "LOCKBOX": ("Bank lockbox", TenderSource.Kind.LOCKBOX, "1000"),
    "WEB": ("Web self-service", TenderSource.Kind.WEB, "1010"),
    "PROCESSOR": ("Remittance processor", TenderSource.Kind.PROCESSOR, "1010"),
    # CSV remittance files (checks a remittance processor or pay station took, deposited).
    "REMIT": ("Remittance file (CSV)", TenderSource.Kind.PROCESSOR, "1000"),
    "AUTOPAY": ("Autopay (ACH)", TenderSource.Kind.AUTOPAY, "1020"),
    # Real-time processors (their webhooks and nightly files: payments/processors/webhooks.py).
    "PAYMENTUS": ("Paymentus", TenderSource.Kind.PROCESSOR, "1010"),
    "CDSGLOBAL": ("CDS Global", TenderSource.Kind.PROCESSOR, "1010"),
}
# code: (description, NSF, fee, credit points, cash-only points, days, review, stop autopay)
CANCEL_REASONS = {
    "KEYERR": ("Keyed in error", False, "0", 0, 0, None, False, False),
    "WRONGACCT": ("Applied to the wrong account", False, "0", 0, 0, None, False, False),
    "DUPLICATE": ("Duplicate payment", False, "0", 0, 0, None, False, False),
    "TRANSFER": ("Transferred to another account", False, "0", 0, 0, None, False, False),
    "NSF": ("Non-sufficient funds", True, "25.00", -50, 25, 365, True, False),
    "STOPPAY": ("Stop payment by the customer", True, "25.00", -50, 25, 365, True, False),
    "ACCTCLOSED": ("Bank account closed", True, "25.00", -25, 10, 365, True, True),
    # A processor's reversal / refund notification (payments/processors/webhooks.py).
    "PROCREV": ("Reversed by the processor", False, "0", 0, 0, None, False, False),
    "PROCREFUND": ("Refunded by the processor", False, "0", 0, 0, None, False, False),
}
DISTRIBUTION_RULES = {
    "PRIORITY": ("SA priority, then debt age", DistributionAlgorithm.PRIORITY_AGE, True),
    "DUEDATE": ("Oldest bill first", DistributionAlgorithm.DUE_DATE, False),
    "DELINQ": ("Delinquent first, prorated", DistributionAlgorithm.DELINQUENT_PRORATED, False),
    "MATCHSA": ("To the SA in the match value", DistributionAlgorithm.MATCH_SA, False),
}
OVERPAYMENT_RULES = {
    "PRIORITY": ("Highest-priority eligible SA", OverpaymentRule.Method.PRIORITY_ELIGIBLE, True),
    "EXCESS": ("Excess-credit SA", OverpaymentRule.Method.EXCESS_CREDIT, False),
}
DISTRIBUTION_CODES = {
    "MISC": ("Miscellaneous receipts", "4950"),
    "PERMIT": ("Construction water permits", "4950"),
    "SCRAP": ("Scrap metal sales", "4950"),
}
NON_CIS_ACCOUNT = "NONCIS"
NON_CIS_SA_TYPE = "NONCIS"


@transaction.atomic
def reference_data_load() -> None:
    accounts_reference_load()
    rows_ensure(GLAccount, {code: {"description": d} for code, d in GL_ACCOUNTS.items()})
    gl = {g.code: g for g in GLAccount.objects.all()}
    rows_ensure(
        AdjustmentType,
        {
            code: {"description": description, "offset_gl": gl[offset]}
            for code, (description, offset) in ADJUSTMENT_TYPES.items()
        },
    )
    adjustment_types = {a.code: a for a in AdjustmentType.objects.all()}
    rows_ensure(
        TenderType,
        {
            code: {
                "description": description,
                "category": category,
                "nsf_allowed": nsf,
                "cashed_check_adjustment_type": adjustment_types.get(cashed),
            }
            for code, (description, category, nsf, cashed) in TENDER_TYPES.items()
        },
    )
    rows_ensure(
        TenderSource,
        {
            code: {"description": description, "kind": kind, "cash_gl": gl[cash]}
            for code, (description, kind, cash) in TENDER_SOURCES.items()
        },
    )
    nsf = adjustment_types["NSF"]
    rows_ensure(
        PaymentCancelReason,
        {
            code: {
                "description": desc,
                "is_nsf": is_nsf,
                "fee_amount": Decimal(fee),
                "fee_adjustment_type": nsf if Decimal(fee) else None,
                "credit_rating_points": points,
                "cash_only_points": cash,
                "credit_event_days": days,
                "creates_collection_review": review,
                "stops_autopay": stop,
            }
            for code, (desc, is_nsf, fee, points, cash, days, review, stop) in (
                CANCEL_REASONS.items()
            )
        },
    )
    rows_ensure(
        DistributionRule,
        {
            code: {"description": description, "algorithm": algorithm, "is_default": default}
            for code, (description, algorithm, default) in DISTRIBUTION_RULES.items()
        },
    )
    excess = SAType.objects.get(code="EXCESS")
    rows_ensure(
        OverpaymentRule,
        {
            code: {
                "description": description,
                "method": method,
                "excess_sa_type": excess,
                "is_default": default,
            }
            for code, (description, method, default) in OVERPAYMENT_RULES.items()
        },
    )
    rows_ensure(
        DistributionCode,
        {
            code: {"description": description, "gl_account": gl[gl_code]}
            for code, (description, gl_code) in DISTRIBUTION_CODES.items()
        },
    )
    SAType.objects.get_or_create(
        code=NON_CIS_SA_TYPE,
        defaults={
            "description": "Non-CIS receipts",
            "payment_priority": 99,
            "receivable_gl": gl["4950"],
            "revenue_gl": gl["4950"],
        },
    )
