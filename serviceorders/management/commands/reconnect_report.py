"""The daily auto-reconnect report as CSV: every decision of a day, why, and the time from
payment to order (issue 11 item 4)."""

import csv
from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from serviceorders.selectors import reconnect_report

COLUMNS = [
    "decided_at",
    "account",
    "payment",
    "payment_at",
    "reconnected",
    "reason",
    "reason_text",
    "held_until",
    "order",
    "seconds_to_order",
]


class Command(BaseCommand):
    help = "Print the day's auto-reconnect decisions as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, date=None, **options):
        writer = csv.writer(self.stdout)
        writer.writerow(COLUMNS)
        for d in reconnect_report(on=date or timezone.localdate()):
            writer.writerow(
                [
                    timezone.localtime(d.decided_at).isoformat(timespec="seconds"),
                    d.account.number,
                    d.payment_id,
                    timezone.localtime(d.payment_at).isoformat(timespec="seconds"),
                    "yes" if d.reconnected else "no",
                    d.reason,
                    d.reason_text,
                    d.held_until.isoformat() if d.held_until else "",
                    d.order.number if d.order else "",
                    "" if d.seconds_to_order is None else d.seconds_to_order,
                ]
            )
