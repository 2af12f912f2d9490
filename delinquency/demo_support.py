"""For the demo (the integrator's delinquency demo step): run the notices, their email
copies and the penalties for a date on whatever the demo generated, the way the nightly
chain does, and return the runs."""

import datetime as dt

from cis.batch import batch_run
from cis.models import BatchRun

JOBS = ("delinquency_notices", "late_notice_delivery", "delinquency_penalties")


def notices_and_penalties_seed(as_of: dt.date) -> dict[str, BatchRun]:
    """Late notices, their emails and late charges for `as_of` (idempotent: a re-run of a
    date does nothing twice). Needs the delinquency reference data (the default policy)."""
    return {job: batch_run(job_name=job, business_date=as_of, force=True) for job in JOBS}
