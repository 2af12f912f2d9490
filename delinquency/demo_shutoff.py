"""Demo for shut-off eligibility (issue 12 item 7), for the integrator's demo step:
`shutoff_demo(as_of=ctx.as_of, log=ctx.log)`.

Picks the connected, public accounts past due beyond the policy (most past due first):
the first gets a late notice early enough and becomes a shut-off candidate (one
disconnect order when the job runs); the second gets the same notice plus a valid
medical certificate, so its evaluation says the certificate blocks. With `run=True` the
`shutoff_candidates` job runs for `as_of` (it also evaluates every other past-due
account). Returns {"candidate": number, "medical": number} (missing keys: no account fit).
"""

import datetime as dt
from collections.abc import Callable

from django.db import transaction

from accounts.models import Account
from serviceorders.models import ServiceOrder, ServiceOrderKind

from .business_days import business_days_before
from .models import LateNotice, MedicalCertificate
from .selectors import PolicyBook, past_due_accounts


def _notice(account: Account, row, on: dt.date) -> None:
    if LateNotice.objects.filter(
        account=account, notice_date__gte=row.oldest_due, notice_date__lte=on
    ).exists():
        return
    LateNotice.objects.get_or_create(
        account=account,
        notice_date=on,
        defaults={
            "past_due": row.past_due,
            "pay_by": on + dt.timedelta(days=10),
            "delivery": LateNotice.Delivery.PRINT,
        },
    )


def shutoff_demo(
    *, as_of: dt.date, log: Callable[[str], None] = print, run: bool = False
) -> dict[str, str]:
    picked = _prepare(as_of=as_of, log=log)
    if picked and run:
        from cis.batch import batch_run

        batch_run(job_name="shutoff_candidates", business_date=as_of, force=True)
    return picked


@transaction.atomic
def _prepare(*, as_of: dt.date, log: Callable[[str], None]) -> dict[str, str]:
    from serviceorders.reference import reference_data_load as so_reference

    from .reference import reference_data_load

    so_reference()
    reference_data_load()
    book = PolicyBook(on=as_of)
    rows = {r.account_id: r for r in past_due_accounts(as_of=as_of)}
    open_disconnect = set(
        ServiceOrder.objects.filter(
            account_id__in=list(rows),
            kind=ServiceOrderKind.DISCONNECT,
            status__in=ServiceOrder.INCOMPLETE,
        ).values_list("account_id", flat=True)
    )
    accounts = (
        Account.objects.filter(
            pk__in=list(rows),
            customer__is_public=True,
            customer__is_bankrupt=False,
            service_status=Account.ServiceStatus.CONNECTED,
        )
        .exclude(pk__in=open_disconnect)
        .select_related("customer", "location")
    )
    fits = []
    for account in accounts:
        row = rows[account.pk]
        policy = book.get(account.customer.customer_type, account.location.revenue_class_id)
        if (
            policy
            and row.past_due >= policy.shutoff_minimum_past_due
            and row.days_past_due(as_of) >= policy.shutoff_days_past_due
        ):
            fits.append((-row.past_due, account.number, account, row, policy))
    fits.sort(key=lambda f: (f[0], f[1]))
    picked: dict[str, str] = {}
    for role, (_, number, account, row, policy) in zip(
        ("candidate", "medical"), fits, strict=False
    ):
        _notice(account, row, business_days_before(as_of, policy.shutoff_notice_business_days))
        if role == "medical":
            MedicalCertificate.objects.get_or_create(
                account=account,
                certified_on=as_of - dt.timedelta(days=10),
                defaults={
                    "expires_on": as_of + dt.timedelta(days=80),
                    "certifier": "Dr. Rivera, County Clinic",
                },
            )
        picked[role] = number
    if not picked:
        log("shut-off: no account is past due beyond the policy: skipped")
        return picked
    log(
        "shut-off: candidate "
        + picked.get("candidate", "-")
        + ", medical certificate on "
        + picked.get("medical", "-")
    )
    return picked
