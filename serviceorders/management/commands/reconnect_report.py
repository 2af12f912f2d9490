"""The daily auto-reconnect report as CSV: every decision of a day, why, and the time from
payment to order (issue 11 item 4)."""

import csv
from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from serviceorders.selectors import REPORT_COLUMNS, reconnect_report, reconnect_report_rows


class Command(BaseCommand):
    help = "Print the day's auto-reconnect decisions as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, date=None, **options):
        writer = csv.writer(self.stdout)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows(reconnect_report_rows(reconnect_report(on=date or timezone.localdate())))
