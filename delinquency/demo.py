"""Demo delinquency (`seed_demo`, issue 12): the nightly jobs run on the demo's ledger, so
`make run` has past-due accounts with late notices (PDF on the Delinquency tab), late
charges and the accounts they skipped (and why), a shut-off candidate with its disconnect
order and one blocked by a medical certificate (the Shut-off tab says why), an account with
No Penalty until a date (its alert on the banner and on payment entry), and one on a
payment arrangement. Deterministic for a seed."""

from datetime import timedelta

from accounts.models import Account
from cis.batch import batch_run
from cis.demo import DemoContext, register_step

from . import demo_writeoffs  # noqa: F401 - registers the write-off demo step
from .demo_shutoff import shutoff_demo
from .demo_support import notices_and_penalties_seed
from .models import Arrangement, CreditAttributes, LateNotice
from .reference import reference_data_load
from .services.arrangements import demo_arrangement_put
from .services.credit import no_penalty_demo_set

# The notices go out this many days before the demo's date, so by then they are old enough
# (ten business days) for the shut-off rule, and the late charges follow them.
NOTICES_BEFORE = timedelta(days=16)
PENALTIES_BEFORE = timedelta(days=2)


@register_step(48, "delinquency: notices, late charges, No Penalty, an arrangement, shut-off")
def demo_delinquency(ctx: DemoContext) -> None:
    reference_data_load()
    if LateNotice.objects.exists():
        ctx.log("delinquency exists already: skipped")
        return
    notices = batch_run(
        job_name="delinquency_notices", business_date=ctx.as_of - NOTICES_BEFORE, force=True
    )
    runs = notices_and_penalties_seed(ctx.as_of - PENALTIES_BEFORE)
    picked = shutoff_demo(as_of=ctx.as_of, log=ctx.log, run=True)
    # Among the noticed public accounts that are not the shut-off picks: the first gets No
    # Penalty for a month, the next one an arrangement of its whole balance.
    noticed = (
        Account.objects.filter(late_notices__isnull=False, customer__is_public=True)
        .exclude(number__in=picked.values())
        .exclude(service_status=Account.ServiceStatus.SHUT_OFF)
        .distinct()
        .order_by("number")
    )
    no_penalty = arranged = None
    for account in noticed:
        if no_penalty is None:
            no_penalty_demo_set(
                account=account, expires_on=ctx.as_of + timedelta(days=30), today=ctx.as_of
            )
            no_penalty = account
        elif demo_arrangement_put(account=account, today=ctx.as_of) is not None:
            arranged = account
            break
    batch_run(job_name="arrangement_review", business_date=ctx.as_of, force=True)
    ctx.log(
        f"delinquency: {LateNotice.objects.count()} notices (runs {notices.pk}, "
        f"{runs['delinquency_notices'].pk}), penalties run {runs['delinquency_penalties'].pk}, "
        f"shut-off {picked or 'none'}, No Penalty on "
        f"{no_penalty.number if no_penalty else 'none'} "
        f"({CreditAttributes.objects.filter(no_penalty=True).count()} in all), arrangement on "
        f"{arranged.number if arranged else 'none'} "
        f"({Arrangement.objects.filter(status='active').count()} active)"
    )
