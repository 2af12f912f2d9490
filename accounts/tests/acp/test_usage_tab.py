"""The Usage tab (seed 004): the reads billed on an account's bill segments, filtered by
service, sorted by any column, the meter detail of the selected read below; a cheap
has-records marker, a bounded number of queries however many reads, private accounts
hidden as on every tab; and the demo's bills carry usage."""

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.acp.selectors.usage import usage_has_records
from accounts.demo import METERED, demo_accounts, demo_panel_extras
from accounts.models import Account, Bill, BillSegment, BillSegmentUsage, Meter, SAType
from accounts.services.bills import bill_complete, bill_create
from accounts.tests.conftest import PASSWORD
from accounts.tests.factories import AccountFactory, ServiceAgreementFactory
from cis.demo import DemoContext

HX = {"HTTP_HX_REQUEST": "true"}
D = dt.date


class _Table(HTMLParser):
    """The rows of one <table aria-label=...>: [(data-read, [cell text, ...]), ...]."""

    def __init__(self, label: str):
        super().__init__()
        self.label, self.inside, self.in_body = label, False, False
        self.rows: list[tuple[str | None, list[str]]] = []
        self.cell: list[str] | None = None
        self.attrs: dict = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("aria-label") == self.label:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append((attrs.get("data-read"), []))
            self.attrs[len(self.rows) - 1] = attrs
        elif self.in_body and tag == "td":
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1][1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.inside:
            self.inside = self.in_body = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table(html: str, label: str = "Usage") -> list[tuple[str | None, list[str]]]:
    parser = _Table(label)
    parser.feed(html)
    return parser.rows


def read(segment, meter, *, prev, prev_reading, on, reading, adjusted="0", **extra):
    actual = Decimal(reading) - Decimal(prev_reading)
    return BillSegmentUsage.objects.create(
        segment=segment,
        meter=meter,
        rate_code=extra.pop("rate_code", "WAT-R1" if meter.unit == "KGAL" else "ELE-R1"),
        previous_read_date=prev,
        previous_reading=Decimal(prev_reading),
        read_date=on,
        reading=Decimal(reading),
        actual_quantity=actual,
        adjusted_quantity=Decimal(adjusted),
        billed_quantity=actual + Decimal(adjusted),
        unit=meter.unit,
        **extra,
    )


@pytest.fixture
def usage(account):
    """Jane's water (three bills) and electric (two) reads on two meters at 12 Elm St."""
    water = account.agreements.get(sa_type__code="WATER")
    elec = ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="ELEC"))
    segments = {}
    for bill_date, amounts in [
        (D(2026, 2, 1), {water: Decimal("46.00"), elec: Decimal("81.25")}),
        (D(2026, 3, 1), {water: Decimal("33.25"), elec: Decimal("120.50")}),
    ]:
        bill = bill_create(
            account=account,
            bill_date=bill_date,
            due_date=bill_date + dt.timedelta(days=21),
            segments=amounts,
        )
        bill_complete(bill=bill)
        segments.update(
            {(bill_date.month, sa.sa_type.code): bill.segments.get(sa=sa) for sa in amounts}
        )
    segments[(1, "WATER")] = BillSegment.objects.get(
        bill__account=account, bill__bill_date=D(2026, 1, 1)
    )
    wm = Meter.objects.create(
        number="W0000042",
        location=account.location,
        service=water.sa_type,
        make="Badger",
        size='5/8"',
        unit="KGAL",
        installed_on=D(2019, 6, 3),
    )
    em = Meter.objects.create(
        number="E0000042",
        location=account.location,
        service=elec.sa_type,
        make="Itron",
        size="Form 2S",
        unit="KWH",
    )
    reads = {
        "jan_w": read(
            segments[(1, "WATER")],
            wm,
            prev=D(2025, 11, 28),
            prev_reading="1000",
            on=D(2025, 12, 29),
            reading="1020.5",
            minimum_charge=Decimal("12.00"),
            total_charge=Decimal("100.00"),
        ),
        "mar_w": read(
            segments[(3, "WATER")],
            wm,
            prev=D(2026, 1, 29),
            prev_reading="1028.5",
            on=D(2026, 2, 26),
            reading="1033",
            minimum_charge=Decimal("12.00"),
            total_charge=Decimal("33.25"),
        ),
        "mar_e": read(
            segments[(3, "ELEC")],
            em,
            prev=D(2026, 1, 29),
            prev_reading="5500",
            on=D(2026, 2, 26),
            reading="6300",
            is_budget=True,
            minimum_charge=Decimal("15.00"),
            total_charge=Decimal("120.50"),
        ),
        "feb_w": read(
            segments[(2, "WATER")],
            wm,
            prev=D(2025, 12, 29),
            prev_reading="1020.5",
            on=D(2026, 1, 29),
            reading="1028.5",
            adjusted="-0.5",
            read_type="estimated",
            minimum_charge=Decimal("12.00"),
            total_charge=Decimal("46.00"),
        ),
        "feb_e": read(
            segments[(2, "ELEC")],
            em,
            prev=D(2025, 12, 29),
            prev_reading="5000",
            on=D(2026, 1, 29),
            reading="5500",
            is_budget=True,
            minimum_charge=Decimal("15.00"),
            total_charge=Decimal("81.25"),
        ),
    }
    return {k: v.pk for k, v in reads.items()}


@pytest.fixture
def get_tab(client, csr):
    assert client.login(username=csr.username, password=PASSWORD)

    def get(account, **params):
        response = client.get(reverse("acp:tab", args=[account.number, "usage"]), params, **HX)
        assert response.status_code == 200
        return response.content.decode()

    return get


def ids(html: str, usage: dict) -> list[str]:
    names = {str(pk): name for name, pk in usage.items()}
    return [names[r] for r, _ in table(html)]


def test_rows_show_every_field_newest_read_first(get_tab, account, usage):
    html = get_tab(account)
    assert ids(html, usage) == ["mar_w", "mar_e", "feb_w", "feb_e", "jan_w"]
    rows = dict(table(html))
    assert rows[str(usage["feb_w"])] == [
        "12/29/2025",
        "01/29/2026",
        "WATER",
        "WAT-R1",
        "8",
        "7.5",
        "-0.5",
        "KGAL",
        "No",
        "$12.00",
        "$46.00",
    ]
    assert rows[str(usage["mar_e"])] == [
        "01/29/2026",
        "02/26/2026",
        "ELEC",
        "ELE-R1",
        "800",
        "800",
        "",
        "KWH",
        "Yes",
        "$15.00",
        "$120.50",
    ]
    assert 'aria-sort="descending" data-sort="read_date"' in html
    assert "5 reads" in html


def test_the_service_filter_lists_metered_services_and_keeps_to_one(get_tab, account, usage):
    ServiceAgreementFactory(account=account, sa_type=SAType.objects.get(code="TRASH"))
    html = get_tab(account)
    options = html.split('id="usage-service"')[1].split("</select>")[0]
    assert [o.split('"')[1] for o in options.split("<option value=")[1:]] == ["", "ELEC", "WATER"]
    html = get_tab(account, service="ELEC")
    assert ids(html, usage) == ["mar_e", "feb_e"]
    assert '<option value="ELEC" selected>' in html
    # A service the account has no usage for is no filter at all.
    assert ids(get_tab(account, service="TRASH"), usage) == ids(get_tab(account), usage)


@pytest.mark.parametrize(
    ("sort", "direction", "expected"),
    [
        ("total", "asc", ["mar_w", "feb_w", "feb_e", "jan_w", "mar_e"]),
        ("total", "desc", ["mar_e", "jan_w", "feb_e", "feb_w", "mar_w"]),
        ("billed", "asc", ["mar_w", "feb_w", "jan_w", "feb_e", "mar_e"]),
        ("adjusted", "asc", ["feb_w", "mar_w", "mar_e", "feb_e", "jan_w"]),
        ("service", "asc", ["mar_e", "feb_e", "mar_w", "feb_w", "jan_w"]),
        ("budget", "desc", ["mar_e", "feb_e", "mar_w", "feb_w", "jan_w"]),
        ("read_date", "asc", ["jan_w", "feb_w", "feb_e", "mar_w", "mar_e"]),
        ("previous", "desc", ["mar_w", "mar_e", "feb_w", "feb_e", "jan_w"]),
        ("unit", "asc", ["mar_w", "feb_w", "jan_w", "mar_e", "feb_e"]),
        ("nonsense", "asc", ["mar_w", "mar_e", "feb_w", "feb_e", "jan_w"]),  # the default
    ],
)
def test_any_column_sorts_up_and_down(get_tab, account, usage, sort, direction, expected):
    assert ids(get_tab(account, sort=sort, dir=direction), usage) == expected


def test_a_header_sorts_up_once_and_down_twice_keeping_the_filter(get_tab, account, usage):
    html = get_tab(account, service="WATER")
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert "?service=WATER&amp;sort=total&amp;dir=asc" in head
    html = get_tab(account, service="WATER", sort="total", dir="asc")
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert 'aria-sort="ascending" data-sort="total"' in head
    assert "?service=WATER&amp;sort=total&amp;dir=desc" in head  # the second click
    assert ids(html, usage) == ["mar_w", "feb_w", "jan_w"]
    # Selecting a row keeps filter and sort.
    assert f"?service=WATER&amp;sort=total&amp;dir=asc&amp;read={usage['feb_w']}" in html


def test_the_selected_read_shows_its_meter_and_reads(get_tab, account, usage):
    html = get_tab(account, read=usage["feb_w"])
    detail = html.split('id="usage-meter"')[1]
    assert 'data-field="meter">W0000042<' in detail
    for text in ("Badger", "5/8&quot;", "KGAL", "06/03/2019", "Active"):
        assert text in detail, text
    # its reads up to the selected one, newest first
    reads = table(detail, "Reads of meter W0000042")
    assert [cells for _, cells in reads] == [
        ["12/29/2025", "1,020.5", "01/29/2026", "1,028.5", "Estimated", "8 KGAL", "WATER"],
        ["11/28/2025", "1,000", "12/29/2025", "1,020.5", "Actual", "20.5 KGAL", "WATER"],
    ]
    latest = table(get_tab(account, read=usage["mar_w"]), "Reads of meter W0000042")
    assert [cells[2] for _, cells in latest] == ["02/26/2026", "01/29/2026", "12/29/2025"]
    assert f'data-read="{usage["feb_w"]}" class="selected"' in html
    assert "E0000042" not in detail


def test_a_read_of_another_account_shows_no_meter(get_tab, account, usage):
    other = AccountFactory()
    html = get_tab(other, read=usage["feb_w"])
    assert "W0000042" not in html and "Select a read above" in html
    assert table(html)[0][1] == ["No metered usage."]


def test_queries_do_not_grow_with_reads(client, csr, account, usage, django_assert_max_num_queries):
    assert client.login(username=csr.username, password=PASSWORD)
    url = reverse("acp:tab", args=[account.number, "usage"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"read": usage["feb_w"], "sort": "total"}, **HX)
        assert response.status_code == 200
        return len(queries), response.content.decode().count("data-read=")

    few, rows = count()
    assert rows == 5
    water = account.agreements.get(sa_type__code="WATER")
    meter = Meter.objects.get(number="W0000042")
    for month in range(4, 16):
        day = D(2026 + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        bill = bill_create(
            account=account,
            bill_date=day,
            due_date=day + dt.timedelta(days=21),
            segments={water: Decimal("20.00")},
        )
        bill_complete(bill=bill)
        read(
            bill.segments.get(),
            meter,
            prev=day - dt.timedelta(days=31),
            prev_reading="1",
            on=day - dt.timedelta(days=1),
            reading="2",
            total_charge=Decimal("20.00"),
        )
    many, rows = count()
    assert rows == 17
    assert many == few
    with django_assert_max_num_queries(30):
        client.get(url, {"read": usage["feb_w"]}, **HX)


def test_has_records_is_one_query_and_marks_the_tab(
    client, csr, account, usage, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert usage_has_records(account=account) is True
    empty = AccountFactory()
    with django_assert_num_queries(1):
        assert usage_has_records(account=empty) is False
    assert client.login(username=csr.username, password=PASSWORD)
    html = client.get(reverse("acp:panel", args=[account.number])).content.decode()
    tab = html.split('id="tab-usage"')[1].split("</a>")[0]
    assert 'class="has-records"' in tab


def test_a_private_account_is_the_panels_404_for_a_csr(client, csr, admin_user, private_account):
    assert client.login(username=csr.username, password=PASSWORD)
    url = reverse("acp:tab", args=[private_account.number, "usage"])
    assert client.get(url, **HX).status_code == 404
    assert (
        client.get(
            reverse("acp:panel", args=[private_account.number]), {"tab": "usage"}
        ).status_code
        == 404
    )
    client.logout()
    assert client.login(username=admin_user.username, password=PASSWORD)
    response = client.get(url, **HX)
    assert response.status_code == 200 and b'aria-label="Usage"' in response.content


AS_OF = D(2026, 12, 2)


def _demo(seed: int) -> None:
    ctx = DemoContext(accounts=6, seed=seed, as_of=AS_OF, log=lambda _: None)
    demo_accounts(ctx)
    demo_panel_extras(ctx)


def _snapshot() -> list[tuple]:
    return list(
        BillSegmentUsage.objects.order_by("meter__number", "read_date").values_list(
            "meter__number",
            "meter__make",
            "read_date",
            "reading",
            "billed_quantity",
            "read_type",
            "total_charge",
        )
    )


def test_demo_bills_carry_one_read_per_metered_segment(reference_data):
    _demo(seed=11)
    metered = BillSegment.objects.filter(sa__sa_type__code__in=METERED)
    assert metered.exists()
    # one read per metered segment, none on flat-rate sewer and trash
    assert metered.annotate(n=Count("usage")).filter(n=1).count() == metered.count()
    assert not BillSegmentUsage.objects.exclude(segment__sa__sa_type__code__in=METERED).exists()
    for u in BillSegmentUsage.objects.select_related("segment__sa__sa_type", "segment__bill"):
        unit, minimum, rate, step, _, _ = METERED[u.segment.sa.sa_type.code]
        assert u.total_charge == u.segment.amount
        assert (
            u.billed_quantity
            == u.actual_quantity
            == ((u.segment.amount - minimum) / rate).quantize(step)
        )
        assert u.unit == unit and u.minimum_charge == minimum
        assert u.read_date == u.segment.bill.bill_date - dt.timedelta(days=3)
        assert u.reading - u.previous_reading == u.actual_quantity
    # a meter per metered SA at its location, its reads one chain from bill to bill
    for meter in Meter.objects.all():
        reads = list(meter.reads.order_by("read_date"))
        assert len(reads) == 12
        for before, after in zip(reads, reads[1:], strict=False):
            assert (after.previous_read_date, after.previous_reading) == (
                before.read_date,
                before.reading,
            )
    # budget-billed accounts' reads say so
    budget = set(Account.objects.filter(is_budget_billing=True).values_list("pk", flat=True))
    for u in BillSegmentUsage.objects.values("is_budget", "segment__bill__account"):
        assert u["is_budget"] == (u["segment__bill__account"] in budget)
    assert (
        Bill.objects.filter(segments__usage__isnull=False).distinct().count()
        == Bill.objects.filter(segments__sa__sa_type__code__in=METERED).distinct().count()
    )


def test_demo_usage_is_the_same_for_a_seed(reference_data):
    with transaction.atomic():
        _demo(seed=4)
        first = _snapshot()
        transaction.set_rollback(True)
    _demo(seed=4)
    assert first and _snapshot() == first
