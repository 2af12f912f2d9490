from django.core.management.base import BaseCommand

from autopay.return_rates import return_rates, return_rates_by_extract, return_rates_by_month


class Command(BaseCommand):
    help = (
        "Print the ACH return rates per month and per extract, flagging those over the NACHA "
        "levels (unauthorized 0.5%, administrative 3%, overall 15%)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--extracts", type=int, default=20)

    def handle(self, *args, months: int, extracts: int, **options):
        self.stdout.write("By month:")
        for rates in return_rates_by_month(months=months):
            self.stdout.write("  " + rates.line())
        self.stdout.write("By extract:")
        for rates in return_rates_by_extract(limit=extracts):
            self.stdout.write("  " + rates.line())
        self.stdout.write(return_rates().line())
