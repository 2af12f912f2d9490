"""Hypothesis strategies for NACHA files: any batches of PPD debits we may be asked to
write (names with accents and punctuation, amounts up to the 10-digit maximum, addenda,
balanced offsets, several effective dates)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import holidays
from achlens.core import is_federal_reserve_holiday
from hypothesis import strategies as st
from stdnum.us import rtn

from autopay.nacha import AccountType, Batch, Entry, FileHeader, OffsetAccount

UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
NAME_CHARS = UPPER_DIGITS + "abcdefghijklmnopqrstuvwxyz -.,'&/éñüÇ"


def _readable(text: str) -> bool:
    """Names are mandatory fields: the writer refuses a blank one (tested in
    test_writer), so the files generated here carry a name."""
    return bool(text[:16].strip())


@st.composite
def routing_numbers(draw) -> str:
    first = draw(st.sampled_from(["0", "1", "2", "3"]))
    rest = draw(st.text("0123456789", min_size=7, max_size=7))
    return first + rest + rtn.calc_check_digit(first + rest)


account_numbers = st.builds(
    lambda head, tail: head + tail,
    st.text(UPPER_DIGITS, min_size=1, max_size=1),
    st.text(UPPER_DIGITS + "-", max_size=16),
)
# Amounts from whole cents: every value the 10-digit field holds, small ones often.
amounts = st.one_of(st.integers(1, 100_000), st.integers(1, 9_999_999_999)).map(
    lambda cents: Decimal(cents).scaleb(-2)
)

entries = st.builds(
    Entry,
    routing_number=routing_numbers(),
    account_number=account_numbers,
    account_type=st.sampled_from(list(AccountType)),
    amount=amounts,
    individual_id=st.text(UPPER_DIGITS, min_size=1, max_size=15),
    individual_name=st.text(NAME_CHARS, min_size=1, max_size=30).filter(_readable),
    addenda=st.one_of(st.just(""), st.text(NAME_CHARS, max_size=80)),
)


FED_HOLIDAYS = holidays.financial_holidays("XFED", years=range(2026, 2032))


def _banking_day(day: date) -> date:
    """Effective dates fall on Federal Reserve banking days, as the extract job picks them
    (validators warn of weekends and holidays). achlens's own calendar is skipped too: it
    counts 2028-11-10, the Friday before a Saturday Veterans Day, as a holiday, where the
    Fed (and `holidays`) keep it open; dates are the caller's choice, not the writer's."""
    while day.weekday() >= 5 or day in FED_HOLIDAYS or is_federal_reserve_holiday(day):
        day += timedelta(days=1)
    return day


@st.composite
def batches(draw) -> Batch:
    items = draw(st.lists(entries, min_size=1, max_size=6))
    with_offset = draw(st.booleans()) and sum(e.amount for e in items) < Decimal("99999999.99")
    offset = (
        OffsetAccount(routing_number=draw(routing_numbers()), account_number=draw(account_numbers))
        if with_offset
        else None
    )
    return Batch(
        company_name=draw(st.text(UPPER_DIGITS + " ", min_size=1, max_size=16).filter(_readable)),
        company_id=draw(st.text("0123456789", min_size=10, max_size=10)),
        entry_description="AUTOPAY",
        effective_date=_banking_day(draw(st.dates(date(2026, 1, 1), date(2030, 12, 31)))),
        entries=items,
        offset=offset,
    )


file_headers = st.builds(
    FileHeader,
    immediate_destination=routing_numbers(),
    immediate_destination_name=st.text(UPPER_DIGITS + " ", max_size=23),
    immediate_origin=st.text("0123456789", min_size=10, max_size=10),
    immediate_origin_name=st.text(UPPER_DIGITS + " ", max_size=23),
    originating_dfi=routing_numbers(),
    created_at=st.datetimes(datetime(2026, 1, 1), datetime(2030, 12, 31)),
    file_id_modifier=st.sampled_from(list(UPPER_DIGITS)),
)
batch_lists = st.lists(batches(), min_size=1, max_size=4)
