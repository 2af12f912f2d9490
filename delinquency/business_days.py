"""Business days for the delinquency rules (the shut-off notice lead time): Monday to
Friday. Holidays are not counted out (no calendar is configured for collections)."""

import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    day = start + dt.timedelta(days=weeks * 7)
    for _ in range(rest):
        day += ONE_DAY
        count += is_business_day(day)
    return count


def business_days_before(day: dt.date, n: int) -> dt.date:
    """The date `n` business days before `day`."""
    while n > 0:
        day -= ONE_DAY
        if is_business_day(day):
            n -= 1
    return day


def business_days_add(day: dt.date, n: int) -> dt.date:
    """The date `n` business days after `day` (a notice's pay-by date)."""
    while n > 0:
        day += ONE_DAY
        if is_business_day(day):
            n -= 1
    return day
