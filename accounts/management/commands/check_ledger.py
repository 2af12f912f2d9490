import time

from django.core.management.base import BaseCommand, CommandError

from accounts.ledger_checks import CHECKS, ledger_breaches


class Command(BaseCommand):
    help = "Verify the ledger's invariants; exits non-zero and names the records on a breach."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="breaches shown per check")

    def handle(self, *args, limit: int, **options):
        started = time.monotonic()
        breaches = list(ledger_breaches(limit=limit))
        seconds = time.monotonic() - started
        for breach in breaches:
            self.stderr.write(f"BREACH {breach.check}: {breach.record}: {breach.detail}")
        if breaches:
            raise CommandError(f"{len(breaches)} ledger breach(es) found in {seconds:.1f}s")
        self.stdout.write(
            self.style.SUCCESS(f"ledger OK: {len(CHECKS)} checks passed in {seconds:.1f}s")
        )
