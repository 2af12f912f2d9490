"""Starter delinquency configuration (idempotent): the default collection policy and the
alert types. The data migration loads the same; tests and the demo call
`reference_data_load` after a flush. Utilities edit all of it in the admin."""

import datetime as dt

from django.db import transaction

DEFAULT_POLICY_FROM = dt.date(2000, 1, 1)
PENALTY_ADJUSTMENT_TYPE = "LATE"
# Write-offs (README "Write-offs"): the expense a write-off books, and the recovery a later
# payment books when it reinstates written-off debt.
BAD_DEBT_GL = "6100"
RECOVERY_GL = "6110"
WRITEOFF_GLS = {BAD_DEBT_GL: "Bad debt expense", RECOVERY_GL: "Bad debt recovered"}
# code: (text, on panel, on payment entry)
ALERTS = {
    "no_penalty": ("No Penalty: no late charges until {until}.", True, True),
    "cash_only": ("Cash only: checks are not accepted ({until}).", True, True),
    "bankrupt": ("Bankruptcy: collection actions are suspended.", True, True),
    "arrangement": ("Payment arrangement {until} is active.", True, True),
    "shutoff_pending": ("Shut-off pending: disconnect order {until}.", True, True),
    "medical": ("Medical certificate on file until {until}.", True, False),
}


def reference_rows_load(*, policy_model, alert_model, adjustment_type_model) -> None:
    late = adjustment_type_model.objects.filter(code=PENALTY_ADJUSTMENT_TYPE).first()
    if late is not None:
        policy_model.objects.get_or_create(
            customer_type="",
            revenue_class=None,
            effective_on=DEFAULT_POLICY_FROM,
            defaults={"penalty_adjustment_type": late},
        )
    writeoff_gls_load(gl_model=adjustment_type_model._meta.get_field("offset_gl").related_model)
    for code, (text, on_panel, on_payment) in ALERTS.items():
        alert_model.objects.get_or_create(
            code=code, defaults={"text": text, "on_panel": on_panel, "on_payment": on_payment}
        )


@transaction.atomic
def reference_data_load() -> None:
    from accounts.models import AdjustmentType

    from .models import AlertType, DelinquencyPolicy

    reference_rows_load(
        policy_model=DelinquencyPolicy, alert_model=AlertType, adjustment_type_model=AdjustmentType
    )


def writeoff_gls_load(*, gl_model) -> None:
    for code, description in WRITEOFF_GLS.items():
        gl_model.objects.get_or_create(code=code, defaults={"description": description})
