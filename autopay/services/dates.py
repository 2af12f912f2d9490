"""Autopay dates (seed 001 step 2.2) on banking days: the Federal Reserve's holiday
calendar (`holidays`, XFED) and weekends are not banking days.

For a bill due on D:
- **GL distribution date** (the ACH effective entry date, when the money settles): the
  last banking day on or before D, so the customer is never late; never earlier than the
  earliest date the bank can settle a file sent today (`lead_days` banking days after the
  next extract opportunity), nor, with notify in advance, earlier than `notice_days` after
  the notice (Reg E 1005.10(d): at least 10 days before a debit of varying amount).
- **Extract date** (the file goes to the bank): `lead_days` banking days before the
  effective date.
- **Payment date** (the payment's own date): the extract date.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cache

import holidays
from django.conf import settings

ONE_DAY = dt.timedelta(days=1)


@cache
def _fed_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.financial_holidays("XFED", years=[year]))


def is_banking_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _fed_holidays(day.year)


def banking_day_on_or_after(day: dt.date) -> dt.date:
    while not is_banking_day(day):
        day += ONE_DAY
    return day


def banking_day_on_or_before(day: dt.date) -> dt.date:
    while not is_banking_day(day):
        day -= ONE_DAY
    return day


def add_banking_days(day: dt.date, n: int) -> dt.date:
    """`n` banking days after (or, negative, before) `day`; `day` itself need not be one."""
    step = ONE_DAY if n >= 0 else -ONE_DAY
    for _ in range(abs(n)):
        day += step
        while not is_banking_day(day):
            day += step
    return day


@dataclass(frozen=True)
class AutopayDates:
    extract_on: dt.date
    gl_distribution_on: dt.date
    payment_on: dt.date
    notice_on: dt.date | None = None


def autopay_dates(
    *,
    due_on: dt.date,
    today: dt.date,
    notify_in_advance: bool = False,
    lead_days: int | None = None,
    notice_days: int | None = None,
) -> AutopayDates:
    lead = getattr(settings, "OPENCIS_AUTOPAY_LEAD_DAYS", 2) if lead_days is None else lead_days
    notice = (
        getattr(settings, "OPENCIS_AUTOPAY_NOTICE_DAYS", 10) if notice_days is None else notice_days
    )
    earliest_extract = banking_day_on_or_after(today)
    earliest = add_banking_days(earliest_extract, lead)
    if notify_in_advance:
        earliest = max(earliest, banking_day_on_or_after(today + dt.timedelta(days=notice)))
    effective = max(banking_day_on_or_before(due_on), earliest)
    extract = add_banking_days(effective, -lead)
    return AutopayDates(
        extract_on=extract,
        gl_distribution_on=effective,
        payment_on=extract,
        notice_on=today if notify_in_advance else None,
    )
