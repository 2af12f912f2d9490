import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from cis.batch import ChunkResult, batch_run, get_job, job_names
from cis.models import BatchRun
from cis.money import money_format
from cis.tasks import batch_run_task


def progress_text(p: ChunkResult | BatchRun) -> str:
    """The job's progress in its own terms: lines posted, their money, lines refused."""
    return f"lines {p.lines}, money {money_format(p.money)}, errors {p.line_errors}"


class Command(BaseCommand):
    help = "Run a registered batch job for a business date, with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("job", nargs="?", help="job name (omit to list the jobs)")
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="business date YYYY-MM-DD (default today)",
        )
        parser.add_argument(
            "--celery",
            action="store_true",
            help="queue the job's chunks on the Celery workers instead",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="start the date's run again even if it is complete (a same-day retry; "
            "only what is still to do is done)",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=None,
            help="work items per chunk for this run (default: the job's own, else "
            "OPENCIS_BATCH_CHUNK_SIZE)",
        )

    def handle(
        self,
        *args,
        job: str | None,
        date: date | None,
        celery: bool,
        force: bool,
        chunk_size: int | None,
        **options,
    ):
        if not job:
            self.stdout.write("\n".join(job_names()))
            return
        if job not in job_names():
            raise CommandError(f"unknown job {job!r}; known: {', '.join(job_names())}")
        day = date or timezone.localdate()
        if celery:
            result = batch_run_task.delay(job, day.isoformat(), force=force, chunk_size=chunk_size)
            self.stdout.write(f"queued {job} for {day} (task {result.id})")
            return
        bar = tqdm(
            desc=f"{job} {day}", unit="chunk", file=sys.stderr, disable=not sys.stderr.isatty()
        )
        so_far = ChunkResult()

        def planned(run: BatchRun, chunks: int) -> None:
            # A resumed run starts from what its earlier attempts posted.
            so_far.lines, so_far.money, so_far.line_errors = (
                run.lines,
                run.money,
                run.line_errors,
            )
            bar.reset(total=chunks)
            bar.set_postfix_str(progress_text(so_far))

        def chunk_done(index: int, result: ChunkResult) -> None:
            so_far.lines += result.lines
            so_far.money += result.money
            so_far.line_errors += result.line_errors
            bar.set_postfix_str(progress_text(so_far), refresh=False)
            bar.update(1)

        run = batch_run(
            job_name=job,
            business_date=day,
            on_plan=planned,
            on_chunk=chunk_done,
            force=force,
            chunk_size=chunk_size,
        )
        bar.close()
        summary = (
            f"{run.job} {run.business_date}: {run.status}; read {run.read}, "
            f"done {run.done}, errored {run.errored}, skipped {run.skipped}; "
            f"{progress_text(run)}"
        )
        for line in run.errors[:20]:
            self.stderr.write(f"  {line}")
        if run.status == run.Status.FAILED:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
        report = get_job(job).report
        for line in report(run) if report else []:
            self.stdout.write(line)
