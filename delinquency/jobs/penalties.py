"""The late charge batch job (registered on import by delinquency/batch.py).

delinquency_penalties  late charges of a business date (delinquency.services.penalties):
                       work items are accounts with a balance and no decision for the date
                       yet; a chunk costs a fixed number of queries. The BatchRun counts
                       charges in `lines` / `money` and skips in `skipped`; the skips by
                       reason are the run's PenaltyDecisions (`penalty_counts`), printed by
                       `runbatch` and shown in the PenaltyDecision admin.
"""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register
from cis.models import BatchRun
from cis.money import money_format

from ..models import PenaltyDecision
from ..services.penalties import penalties_assess, penalty_candidates, penalty_counts
from . import CHUNK_SIZE

JOB = "delinquency_penalties"


def _candidates(business_date: date):
    return penalty_candidates(business_date=business_date)


def _assess(accounts, business_date: date) -> ChunkResult:
    run = BatchRun.objects.filter(job=JOB, business_date=business_date).first()
    outcome = penalties_assess(
        account_ids=[a.pk for a in accounts], business_date=business_date, batch_run=run
    )
    charged = outcome.counts.get(PenaltyDecision.Reason.CHARGED, 0)
    skipped = sum(outcome.counts.values()) - charged
    return ChunkResult(
        done=len(accounts) - skipped, skipped=skipped, lines=charged, money=outcome.charged
    )


def penalties_report(run: BatchRun) -> list[str]:
    labels = dict(PenaltyDecision.Reason.choices)
    counts = penalty_counts(run)
    lines = [
        f"late charges: {counts.get('charged', 0)} for {money_format(run.money)}",
    ]
    lines += [
        f"skipped, {labels[reason]}: {n}"
        for reason, n in sorted(counts.items())
        if reason != "charged"
    ]
    return lines


register(
    BatchJob(
        name=JOB,
        description="Late charge adjustments for past-due accounts (DelinquencyPolicy penalty "
        "rule and cap), skipping No Penalty, grace dates, exempt special conditions, "
        "bankruptcy and kept arrangements, with the reason recorded per account.",
        select=_candidates,
        process=_assess,
        chunk_size=CHUNK_SIZE,
        only=("pk",),
        report=penalties_report,
    )
)
