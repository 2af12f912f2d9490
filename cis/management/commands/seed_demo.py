import time
from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from cis.demo import DemoContext, demo_steps


class Command(BaseCommand):
    help = "Build a realistic demo utility, deterministic for a seed (and as-of date)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="last day of demo history (default today)",
        )

    def handle(self, *args, accounts: int, seed: int, as_of: date | None, **options):
        ctx = DemoContext(
            accounts=accounts,
            seed=seed,
            as_of=as_of or timezone.localdate(),
            log=lambda line: self.stdout.write(line),
        )
        started = time.monotonic()
        for name, step in demo_steps():
            step_started = time.monotonic()
            step(ctx)
            self.stdout.write(f"{name}: {time.monotonic() - step_started:.1f}s")
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_demo: {accounts:,} accounts in {time.monotonic() - started:.1f}s"
            )
        )
