"""Starter configuration for a new utility: GL accounts, SA types, codes. Idempotent; a
utility edits all of it in the admin afterwards."""

from django.db import transaction

from .models import (
    AccountStatusCode,
    AdjustmentType,
    BillCycle,
    ContactType,
    CustomField,
    DemographicCategory,
    DemographicItem,
    DocumentType,
    GLAccount,
    NoteType,
    RevenueClass,
    SAType,
    Scope,
    SpecialConditionType,
    ToDoType,
    UDCCaption,
    UDCValue,
)

GL_ACCOUNTS = {
    "1000": "Cash in bank",
    "1100": "Accounts receivable - utility services",
    "1150": "Accounts receivable - deposits",
    "2100": "Customer deposits held",
    "2200": "Customer excess credits",
    "2300": "Refunds payable",
    "4100": "Water sales",
    "4200": "Sewer charges",
    "4300": "Electric sales",
    "4400": "Solid waste charges",
    "4900": "Miscellaneous service revenue",
    "4910": "Returned payment (NSF) fees",
    "4920": "Late payment penalties",
    "6200": "Interest expense - customer deposits",
}
# code: (description, priority, overpayment eligible, deposit, excess credit, AR, revenue)
SA_TYPES = {
    "DEPOSIT": ("Security deposit", 10, False, True, False, "1150", "2100"),
    "WATER": ("Water service", 20, True, False, False, "1100", "4100"),
    "SEWER": ("Sewer service", 30, False, False, False, "1100", "4200"),
    "ELEC": ("Electric service", 25, True, False, False, "1100", "4300"),
    "TRASH": ("Solid waste", 40, False, False, False, "1100", "4400"),
    "MISC": ("Miscellaneous charges", 50, False, False, False, "1100", "4900"),
    "EXCESS": ("Excess credit", 99, True, False, True, "2200", "2200"),
}
# code: (description, offset GL, NSF charge, penalty)
ADJUSTMENT_TYPES = {
    "NSF": ("Returned payment fee", "4910", True, False),
    "LATE": ("Late payment penalty", "4920", False, True),
    "CREDIT": ("Courtesy credit", "4900", False, False),
    "MISC": ("Miscellaneous charge", "4900", False, False),
    "DEPOSIT": ("Security deposit charge", "2100", False, False),
}
CODE_TABLES = {
    RevenueClass: {
        "RES": "Residential",
        "COM": "Commercial",
        "IND": "Industrial",
        "GOV": "Government",
    },
    BillCycle: {f"{n:02d}": f"Cycle {n:02d}" for n in range(1, 21)},
    # seed 004: "Current" and "Shutoff" are the two built-in account statuses.
    AccountStatusCode: {
        "CURRENT": "Current",
        "SHUTOFF": "Shutoff",
        "GOOD": "Good standing",
        "WATCH": "Collection watch",
        "COLL": "Sent to collections",
        "BADDEBT": "Bad debt written off",
    },
    NoteType: {
        "GEN": "General",
        "CALL": "Phone call",
        "PAY": "Payment",
        "FIELD": "Field visit",
        "GRACE": "Grace extension",
    },
}
SPECIAL_CONDITIONS = {
    "MEDICAL": ("Medical certificate on file", "medical"),
    "LIFESUPPORT": ("Life-support equipment", "heart"),
    "DOG": ("Dog on premises", "dog"),
    "ELDERLY": ("Elderly occupant", "person"),
    "METERACCESS": ("Meter access issue", "key"),
    "NOPENALTY": ("Exempt from late charges", "flag"),
}
# What a special condition exempts the account from (delinquency).
CONDITIONS_EXEMPT_PENALTY = {"NOPENALTY", "LIFESUPPORT"}
CONDITIONS_PROTECT_SHUTOFF = {"LIFESUPPORT"}
# Panel configuration (seed 004): user-defined codes, document types, custom fields and
# contact types a utility starts from.
UDC_CAPTIONS = {
    "LANG": ("Preferred language", Scope.CUSTOMER, {"EN": "English", "ES": "Spanish"}),
    "MEDICAL": ("Medical priority", Scope.CUSTOMER, {"Y": "Yes", "N": "No"}),
    "ACCESS": ("Meter access", Scope.LOCATION, {"OPEN": "Open", "GATE": "Locked gate"}),
    "PREMISE": ("Premise type", Scope.LOCATION, {"SFH": "Single family", "APT": "Apartment"}),
}
DOCUMENT_TYPES = {
    "APP": ("Service application", False),
    "LEASE": ("Lease agreement", False),
    "ID": ("Identity document", True),
    "MED": ("Medical certificate", True),
}
# code: (label, applies to, kind, position)
CUSTOM_FIELDS = {
    "AKA": ("Also known as", Scope.CUSTOMER, CustomField.Kind.TEXT, 10),
    "EMPLOYER": ("Employer", Scope.CUSTOMER, CustomField.Kind.TEXT, 20),
    "LEASE_END": ("Lease ends", Scope.LOCATION, CustomField.Kind.DATE, 10),
    "UNITS": ("Dwelling units", Scope.LOCATION, CustomField.Kind.NUMBER, 20),
}
CONTACT_TYPES = {
    "EMERGENCY": ("Emergency", Scope.CUSTOMER),
    "EMPLOYER": ("Employer", Scope.CUSTOMER),
    "SECONDARY": ("Secondary account holder", Scope.CUSTOMER),
    "LANDLORD": ("Landlord", Scope.LOCATION),
    "MANAGER": ("Property manager", Scope.LOCATION),
    "OTHER": ("Other", Scope.CUSTOMER),
}
TODO_TYPES = {
    "PAYUPLOAD": ("Payment upload exception", "CSR", 20),
    "COLLREVIEW": ("Review for collection", "Supervisor", 30),
    "AUTOPAYMAX": ("Autopay limited by maximum amount", "CSR", 40),
    "GENERAL": ("General follow-up", "CSR", 50),
    "REFUNDAPPR": ("Refund awaiting approval", "Supervisor", 25),
}


# code: (description, level, {item code: (description, unit value)})
DEMOGRAPHICS = {
    "BUDGET": ("Budget billing", "account", {"BUDGET": ("Account budget amount", "1.00")}),
    "HOUSEHOLD": (
        "Household",
        "location",
        {"OCCUPANTS": ("Occupants", "1.00"), "BATHROOMS": ("Bathrooms", "1.00")},
    ),
    "CONSERVE": ("Water conservation", "customer", {"RAINBARREL": ("Rain barrels", "1.00")}),
}


def rows_ensure(model, rows: dict, *, key: str = "code", **fixed) -> dict:
    """`get_or_create` for many rows at once: one query finds those already there, one insert
    adds the rest (rows already there are left as a utility edited them). `rows` maps each
    key value to the defaults of a new row; `fixed` are filters every row has. Returns
    {key value: row}."""
    found = {
        getattr(row, key): row
        for row in model.objects.filter(**fixed, **{f"{key}__in": list(rows)})
    }
    new = [model(**fixed, **{key: k}, **defaults) for k, defaults in rows.items() if k not in found]
    if new:
        model.objects.bulk_create(new)
        found.update((getattr(row, key), row) for row in new)
    return found


@transaction.atomic
def reference_data_load() -> None:
    gl = rows_ensure(GLAccount, {code: {"description": d} for code, d in GL_ACCOUNTS.items()})
    rows_ensure(
        SAType,
        {
            code: {
                "description": desc,
                "payment_priority": prio,
                "is_overpayment_eligible": overpay,
                "is_deposit": deposit,
                "is_excess_credit": excess,
                "receivable_gl": gl[ar],
                "revenue_gl": gl[rev],
            }
            for code, (desc, prio, overpay, deposit, excess, ar, rev) in SA_TYPES.items()
        },
    )
    rows_ensure(
        AdjustmentType,
        {
            code: {
                "description": desc,
                "offset_gl": gl[offset],
                "is_nsf_charge": nsf,
                "is_penalty": penalty,
            }
            for code, (desc, offset, nsf, penalty) in ADJUSTMENT_TYPES.items()
        },
    )
    for model, rows in CODE_TABLES.items():
        rows_ensure(model, {code: {"description": d} for code, d in rows.items()})
    rows_ensure(
        SpecialConditionType,
        {
            code: {
                "description": description,
                "icon": icon,
                "exempts_penalty": code in CONDITIONS_EXEMPT_PENALTY,
                "protects_from_shutoff": code in CONDITIONS_PROTECT_SHUTOFF,
            }
            for code, (description, icon) in SPECIAL_CONDITIONS.items()
        },
    )
    rows_ensure(
        ToDoType,
        {
            code: {"description": description, "role": role, "priority": priority}
            for code, (description, role, priority) in TODO_TYPES.items()
        },
    )
    panel_reference_load()


def panel_reference_load() -> None:
    captions = rows_ensure(
        UDCCaption,
        {
            code: {"description": description, "applies_to": scope}
            for code, (description, scope, _values) in UDC_CAPTIONS.items()
        },
    )
    for code, (_description, _scope, values) in UDC_CAPTIONS.items():
        rows_ensure(
            UDCValue,
            {value: {"description": label} for value, label in values.items()},
            caption=captions[code],
        )
    rows_ensure(
        DocumentType,
        {
            code: {"description": description, "is_secure": secure}
            for code, (description, secure) in DOCUMENT_TYPES.items()
        },
    )
    rows_ensure(
        CustomField,
        {
            code: {"description": label, "applies_to": scope, "kind": kind, "position": position}
            for code, (label, scope, kind, position) in CUSTOM_FIELDS.items()
        },
    )
    rows_ensure(
        ContactType,
        {
            code: {"description": description, "applies_to": scope, "is_system": True}
            for code, (description, scope) in CONTACT_TYPES.items()
        },
    )
    categories = rows_ensure(
        DemographicCategory,
        {
            code: {"description": description, "level": level}
            for code, (description, level, _items) in DEMOGRAPHICS.items()
        },
    )
    rows_ensure(
        DemographicItem,
        {
            item: {"description": label, "category": categories[code], "unit_value": unit}
            for code, (_description, _level, items) in DEMOGRAPHICS.items()
            for item, (label, unit) in items.items()
        },
    )
