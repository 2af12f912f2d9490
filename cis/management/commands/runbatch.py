import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from cis.batch import batch_run, job_names
from cis.tasks import batch_run_task


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

    def handle(
        self, *args, job: str | None, date: date | None, celery: bool, force: bool, **options
    ):
        if not job:
            self.stdout.write("\n".join(job_names()))
            return
        if job not in job_names():
            raise CommandError(f"unknown job {job!r}; known: {', '.join(job_names())}")
        day = date or timezone.localdate()
        if celery:
            result = batch_run_task.delay(job, day.isoformat(), force=force)
            self.stdout.write(f"queued {job} for {day} (task {result.id})")
            return
        bar = tqdm(
            desc=f"{job} {day}", unit="chunk", file=sys.stderr, disable=not sys.stderr.isatty()
        )
        run = batch_run(
            job_name=job, business_date=day, on_chunk=lambda i, r: bar.update(1), force=force
        )
        bar.close()
        summary = (
            f"{run.job} {run.business_date}: {run.status}; read {run.read}, "
            f"done {run.done}, errored {run.errored}, skipped {run.skipped}"
        )
        for line in run.errors[:20]:
            self.stderr.write(f"  {line}")
        if run.status == run.Status.FAILED:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
