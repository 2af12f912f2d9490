"""The write-off batch job (registered on import by delinquency/batch.py; README
"Write-offs").

delinquency_writeoffs  final balances written off: accounts that owe, every SA stopped or
                       closed at least the policy's `writeoff_days_after_final` days ago
                       (blank on every policy: the job selects nothing). Each is written
                       off as the system (`writeoff_account`, referred to collections when
                       the policy's `writeoff_refers_to_collections`); an account that
                       can't be (a credit beside the debt) is counted as skipped with the
                       reason in the run's errors. Idempotent: a written-off account owes
                       nothing, so a re-run selects it no more.
"""

from datetime import date, timedelta

from django.db.models import Exists, Max, OuterRef

from accounts.models import Account, ServiceAgreement
from cis.batch import BatchJob, ChunkResult, register
from cis.models import BatchRun
from cis.money import ZERO

from ..models import DelinquencyPolicy
from ..selectors import PolicyBook
from ..services.writeoffs import OPEN_SA, WriteOffError, writeoff_account

JOB = "delinquency_writeoffs"


def _min_days() -> int | None:
    return (
        DelinquencyPolicy.objects.filter(writeoff_days_after_final__isnull=False)
        .order_by("writeoff_days_after_final")
        .values_list("writeoff_days_after_final", flat=True)
        .first()
    )


def writeoff_candidates(business_date: date):
    """Accounts owing a final balance at least the shortest configured days old."""
    days = _min_days()
    if days is None:
        return Account.objects.none()
    sas = ServiceAgreement.objects.filter(account_id=OuterRef("pk"))
    return (
        Account.objects.filter(balance__gt=ZERO, is_suspense=False)
        .filter(Exists(sas))
        .exclude(Exists(sas.filter(status__in=OPEN_SA, sa_type__is_excess_credit=False)))
        .exclude(Exists(sas.filter(end_date__gt=business_date - timedelta(days=days))))
    )


def _write_off(accounts, business_date: date) -> ChunkResult:
    run = BatchRun.objects.filter(job=JOB, business_date=business_date).first()
    book = PolicyBook(on=business_date)
    rows = {
        a["pk"]: a
        for a in Account.objects.filter(pk__in=[a.pk for a in accounts])
        .annotate(ended=Max("agreements__end_date"))
        .values("pk", "customer__customer_type", "location__revenue_class_id", "ended")
    }
    done = skipped = 0
    money = ZERO
    errors = []
    for account in accounts:
        row = rows[account.pk]
        policy = book.get(row["customer__customer_type"], row["location__revenue_class_id"])
        days = policy.writeoff_days_after_final if policy else None
        ended = row["ended"]
        if days is None or ended is None or ended > business_date - timedelta(days=days):
            skipped += 1
            continue
        try:
            w = writeoff_account(
                account=account,
                user=None,
                reason=f"Final balance unpaid {days} days after service ended",
                refer_to_collections=policy.writeoff_refers_to_collections,
                on=business_date,
                batch_run=run,
                check_permission=False,
            )
        except WriteOffError as exc:
            skipped += 1
            errors.append(str(exc))
            continue
        done += 1
        money += w.amount
    return ChunkResult(done=done, skipped=skipped, lines=done, money=money, errors=errors)


register(
    BatchJob(
        name=JOB,
        description="Write off final balances left unpaid the policy's days after service "
        "ended (bad debt, collections referral); a later payment recovers them.",
        select=writeoff_candidates,
        process=_write_off,
        only=("pk",),
    )
)
