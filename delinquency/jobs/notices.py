"""Late notice batch jobs (registered on import by delinquency/batch.py).

delinquency_notices   the notices of a business date (delinquency.services.notices), set
                      based: work items are accounts with a balance, a chunk costs a fixed
                      number of queries
late_notice_delivery  the email copies of the notices (PDF attached), one work item per
                      notice with an email recipient still to send
"""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register
from cis.models import BatchRun
from cis.money import ZERO

from ..models import LateNotice
from ..services.delivery import late_notice_email, notices_to_email
from ..services.notices import late_notices_create, notice_candidates
from . import CHUNK_SIZE

NOTICES_JOB = "delinquency_notices"
DELIVERY_JOB = "late_notice_delivery"


def _candidates(business_date: date):
    return notice_candidates(business_date=business_date)


def _notices(accounts, business_date: date) -> ChunkResult:
    run = BatchRun.objects.filter(job=NOTICES_JOB, business_date=business_date).first()
    outcome = late_notices_create(
        account_ids=[a.pk for a in accounts], business_date=business_date, batch_run=run
    )
    created = len(outcome.notices)
    return ChunkResult(
        done=created,
        skipped=len(accounts) - created,
        lines=created,
        money=sum((n.past_due for n in outcome.notices), ZERO),
    )


def notices_report(run: BatchRun) -> list[str]:
    notices = LateNotice.objects.filter(batch_run=run)
    emailed = notices.filter(delivery=LateNotice.Delivery.EMAIL).count()
    printed = notices.filter(delivery=LateNotice.Delivery.PRINT).count()
    return [f"late notices: {emailed} by email, {printed} on the print run of {run.business_date}"]


def _to_email(business_date: date):
    return notices_to_email(business_date=business_date)


def _deliver(notices: list[LateNotice], business_date: date) -> ChunkResult:
    result = ChunkResult()
    for notice in notices:
        error = late_notice_email(notice=notice)
        if error:
            result.line_errors += 1
            result.errors.append(f"late notice {notice.pk}: {error}")
        else:
            result.lines += 1
        result.done += 1
    return result


register(
    BatchJob(
        name=NOTICES_JOB,
        description="Late notices for past-due accounts (DelinquencyPolicy: minimum past due, "
        "days after due; one per oldest open bill), email or print run, copies to contacts.",
        select=_candidates,
        process=_notices,
        chunk_size=CHUNK_SIZE,
        only=("pk",),
        report=notices_report,
    )
)
register(
    BatchJob(
        name=DELIVERY_JOB,
        description="Email the late notices (PDF attached) to customers who take email notices "
        "and to contacts who receive duplicates.",
        select=_to_email,
        process=_deliver,
        chunk_size=50,
    )
)
