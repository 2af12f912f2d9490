"""Registered batch jobs. Each app declares its jobs in its `batch.py` module."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Model, QuerySet

from cis.money import ZERO


@dataclass
class ChunkResult:
    """What one chunk did. `errors` are human-readable lines for the BatchRun record.

    `done`, `errored` and `skipped` count work items (what `select` returns); `lines`,
    `money` and `line_errors` are the progress in the job's own terms (an upload's work
    item is a deposit, its lines are payments), shown by `runbatch` and the BatchRun.
    """

    done: int = 0
    errored: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    lines: int = 0
    money: Decimal = ZERO
    line_errors: int = 0

    def add(self, other: "ChunkResult") -> "ChunkResult":
        """Both results as one (a chunk done in two transactions)."""
        return ChunkResult(
            done=self.done + other.done,
            errored=self.errored + other.errored,
            skipped=self.skipped + other.skipped,
            errors=self.errors + other.errors,
            lines=self.lines + other.lines,
            money=self.money + other.money,
            line_errors=self.line_errors + other.line_errors,
        )


@dataclass(frozen=True)
class BatchJob:
    """A nightly job.

    `select(business_date)` returns the work items still to do: it must stop returning an
    item once the item is done, which is what makes a re-run do nothing twice.
    `process(items, business_date)` runs inside a transaction holding the items' row locks
    (taken with SKIP LOCKED, so parallel workers share a run) and returns a ChunkResult.
    `report(run)`, when given, returns lines naming what the run produced (the files an
    extract wrote, say), which `runbatch` prints after its summary. `only`, when given,
    names the fields `process` reads of the items (the rest are not loaded: a job that
    needs the ids alone saves building thousands of full rows a chunk).
    """

    name: str
    description: str
    select: Callable[[date], QuerySet]
    process: Callable[[list[Model], date], ChunkResult]
    chunk_size: int | None = None
    report: Callable[[Model], list[str]] | None = None
    only: tuple[str, ...] = ()


_REGISTRY: dict[str, BatchJob] = {}


def register(job: BatchJob) -> BatchJob:
    _REGISTRY[job.name] = job
    return job


def get_job(name: str) -> BatchJob:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"no batch job named {name!r} (registered: {known})") from None


def job_names() -> list[str]:
    return sorted(_REGISTRY)
