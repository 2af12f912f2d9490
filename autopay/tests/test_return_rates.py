"""Return rates per extract and per month against the NACHA levels (unauthorized 0.5%,
administrative 3%, overall 15%), and the staff screen that shows them."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from autopay.models import AchExtract, Clearing
from autopay.return_rates import return_rates, return_rates_by_month

from .achfiles import Back, return_file
from .factories import draft_enrollment

pytestmark = pytest.mark.django_db
FEB = dt.date(2026, 2, 10)


def sent(enrollment, extract, count: int, returns: dict[str, int]) -> None:
    """`count` entries in `extract`, the first ones returned with the given codes."""
    codes = [code for code, n in returns.items() for _ in range(n)]
    Clearing.objects.bulk_create(
        Clearing(
            enrollment=enrollment,
            account_id=enrollment.account_id,
            kind="draft",
            status="returned" if n < len(codes) else "extracted",
            return_code=codes[n] if n < len(codes) else "",
            amount=D("10.00"),
            extract_on=extract.business_date,
            gl_distribution_on=extract.effective_on,
            payment_on=extract.business_date,
            extract=extract,
        )
        for n in range(count)
    )


def extract_on(day: dt.date, modifier: str) -> AchExtract:
    return AchExtract.objects.create(
        kind="draft",
        business_date=day,
        effective_on=day + dt.timedelta(days=2),
        file_id_modifier=modifier,
    )


def test_rates_per_extract_flag_what_is_over_the_nacha_levels(account, autopay_reference):
    enrollment = draft_enrollment(account)
    feb = extract_on(FEB, "A")
    sent(enrollment, feb, 100, {"R10": 1, "R03": 3, "R01": 10})
    # when
    rates = return_rates(extract=feb)
    # then
    assert rates.entries == 100
    assert (rates.unauthorized.returns, rates.unauthorized.percent) == (1, D("1.00"))
    assert rates.unauthorized.flagged  # 1% > 0.5%
    assert (rates.administrative.returns, rates.administrative.percent) == (3, D("3.00"))
    assert not rates.administrative.flagged  # at the level, not over it
    assert (rates.overall.returns, rates.overall.percent) == (14, D("14.00"))
    assert not rates.overall.flagged
    assert rates.flagged
    assert "unauthorized 1 (1.00%) OVER 0.5%" in rates.line()


def test_rates_per_month_count_the_entries_extracted_that_month(account, autopay_reference):
    enrollment = draft_enrollment(account)
    sent(enrollment, extract_on(FEB, "A"), 50, {"R02": 2})
    sent(enrollment, extract_on(FEB + dt.timedelta(days=1), "B"), 50, {"R01": 14, "R02": 2})
    sent(enrollment, extract_on(dt.date(2026, 3, 2), "A"), 40, {})
    # when
    feb, mar = return_rates(month=FEB), return_rates(month=dt.date(2026, 3, 31))
    # then
    assert (feb.entries, feb.administrative.returns, feb.overall.returns) == (100, 4, 18)
    assert feb.administrative.flagged and feb.overall.flagged  # 4% > 3%, 18% > 15%
    assert (mar.entries, mar.overall.returns, mar.flagged) == (40, 0, False)
    months = return_rates_by_month(months=3, today=dt.date(2026, 3, 15))
    assert [m.label for m in months] == ["2026-03", "2026-02", "2026-01"]
    assert months[2].entries == 0 and months[2].overall.percent == D("0.00")


def test_the_rates_command_prints_months_and_extracts(account, autopay_reference, capsys):
    sent(draft_enrollment(account), extract_on(FEB, "A"), 10, {"R05": 1})
    call_command("ach_return_rates", "--months", "1")
    out = capsys.readouterr().out
    assert "extract" in out and "unauthorized 1 (10.00%) OVER 0.5%" in out


def test_the_returns_screen_lists_files_exceptions_and_rates(
    client, csr, account, autopay_reference
):
    from autopay.services.returns import ach_file_import

    sent(draft_enrollment(account), extract_on(FEB, "A"), 10, {"R05": 1})
    ach_file_import(
        name="bank-0203.ach",
        data=return_file([Back(trace="071000509999999", code="R01", amount=D("5.00"))]),
    )
    client.force_login(csr)
    # when
    page = client.get("/acp/autopay/returns/")
    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert "bank-0203.ach" in html
    assert "no autopay entry has trace number 071000509999999" in html
    assert "over 0.5%" in html


def test_the_returns_screen_needs_the_permission(client, make_user, autopay_reference):
    from django.contrib.auth.models import User

    user = User.objects.create_user("nobody", password="x")
    client.force_login(user)
    assert client.get("/acp/autopay/returns/").status_code == 403
