# ruff: noqa: F811 - the shared fixtures are imported by name
"""The Reports menu (issue 12 item 8, seed 000): each report's rows and columns exactly,
as HTML, CSV and PDF, its filters, private accounts only for those who may see them, and
a bounded number of queries whatever the number of rows."""

import csv
import datetime as dt
import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import CreditRatingEvent, RevenueClass
from accounts.selectors import account_aging
from accounts.services.adjustments import adjustment_create
from accounts.tests.conftest import PASSWORD, admin_user, csr, make_user, supervisor  # noqa: F401
from accounts.tests.factories import (
    AccountFactory,
    AdjustmentTypeFactory,
    ServiceAgreementFactory,
    billed_sa,
    code_table,
)
from delinquency.models import CreditAttributes, PenaltyDecision, ShutoffEvaluation
from delinquency.reports.views import PDF_MAX_ROWS
from delinquency.selectors import aging_buckets, aging_by_revenue_class

D = Decimal
TODAY = timezone.localdate()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _account(number, first, last, line1, rc="RES", *, public=True):
    return AccountFactory(
        number=number,
        customer__first_name=first,
        customer__last_name=last,
        customer__is_public=public,
        location__line1=line1,
        location__revenue_class=code_table(RevenueClass, rc),
    )


def _bill(account, amount, due):
    sa = ServiceAgreementFactory(account=account)
    billed_sa(D(amount), sa=sa, bill_date=due - dt.timedelta(days=21), due_date=due)
    return sa


@pytest.fixture
def book(db):
    """A1 past due 100 with No Penalty until in 10 days; A2 250 not yet due (COM); A3 a
    credit balance of -50 whose No Penalty expired yesterday; A4 nothing owed; P a
    private customer's account, 60 past due, No Penalty."""
    a1 = _account("1000000001", "Ann", "Able", "1 Elm St")
    a2 = _account("1000000002", "Bob", "Baker", "2 Oak St", "COM")
    a3 = _account("1000000003", "Cara", "Cole", "3 Ash St")
    a4 = _account("1000000004", "Dan", "Dow", "4 Fir St")
    p = _account("1000000009", "Pia", "Private", "9 Yew St", public=False)
    _bill(a1, "100.00", days(-40))
    _bill(a2, "250.00", days(5))
    sa3 = _bill(a3, "80.00", days(-100))
    adjustment_create(sa=sa3, adjustment_type=AdjustmentTypeFactory(), amount=D("-130.00"))
    _bill(p, "60.00", days(-10))
    CreditAttributes.objects.create(account=a1, no_penalty=True, no_penalty_expires_on=days(10))
    CreditAttributes.objects.create(account=a3, no_penalty=True, no_penalty_expires_on=days(-1))
    CreditAttributes.objects.create(account=p, no_penalty=True)
    CreditRatingEvent.objects.create(
        account=a1,
        credit_rating_points=-50,
        cash_only_points=120,
        reason="NSF",
        effective_on=days(-20),
    )
    CreditRatingEvent.objects.create(
        account=a2,
        credit_rating_points=-100,
        reason="Broken arrangement",
        effective_on=days(-30),
        expires_on=days(-5),
    )
    for a in (a1, a2, a3, a4, p):
        a.refresh_from_db()
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "p": p}


def _client(client, user):
    client.force_login(user)
    return client


def url(slug, **params):
    from urllib.parse import urlencode

    base = reverse("delinquency_reports:report", args=[slug])
    return base + ("?" + urlencode(params) if params else "")


def html_rows(response) -> tuple[list[str], list[list[str]]]:
    """The report table's header labels and body cells, parsed from the HTML."""
    text = response.content.decode()
    table = re.search(r'<table class="grid report-table".*?</table>', text, re.S).group(0)
    head = [
        re.sub(r"<[^>]+>|[▲▼]", "", h).strip()
        for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
    ]
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]
    return head, [r for r in rows if r != ["Nothing to report."]]


def csv_rows(response) -> tuple[list[str], list[list[str]]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, rows


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=response.content,
        capture_output=True,
        check=True,
    )
    return out.stdout.decode()


def all_formats(client, slug, **params):
    """(header, rows) of the HTML and the CSV, which must agree, and the PDF's text."""
    html = client.get(url(slug, **params))
    assert html.status_code == 200
    head, rows = html_rows(html)
    c_head, c_rows = csv_rows(client.get(url(slug, format="csv", **params)))
    assert (c_head, c_rows) == (head, rows)
    return head, rows, pdf_text(client.get(url(slug, format="pdf", **params)))


NZ_HEAD = [
    "Account",
    "Customer",
    "Location",
    "Revenue class",
    "Status",
    "Balance",
    "No Penalty",
    "No Penalty Expire Date",
]


@pytest.mark.django_db
def test_non_zero_balance_report_with_no_penalty(client, csr, book):
    c = _client(client, csr)
    head, rows, pdf = all_formats(c, "non-zero-balance")

    assert head == NZ_HEAD
    assert rows == [
        ["1000000001", "Ann Able", "1 Elm St", "RES", "Current", "100.00", "Yes", str(days(10))],
        ["1000000002", "Bob Baker", "2 Oak St", "COM", "Current", "250.00", "No", ""],
        ["1000000003", "Cara Cole", "3 Ash St", "RES", "Current", "-50.00", "Yes", str(days(-1))],
    ]
    assert "Non-Zero Balance" in pdf and "No Penalty Expire Date" in pdf
    for line in ("1000000001 Ann Able", "1000000003 Cara Cole"):
        assert re.search(r"\s+".join(map(re.escape, line.split())), pdf)
    assert "1000000009" not in pdf and "3 rows" in pdf


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "accounts"),
    [
        ({"revenue_class": "COM"}, ["1000000002"]),
        ({"min_balance": "0"}, ["1000000001", "1000000002"]),
        ({"max_balance": "0"}, ["1000000003"]),
        ({"min_balance": "50", "max_balance": "200"}, ["1000000001"]),
        ({"no_penalty": "only"}, ["1000000001", "1000000003"]),
        ({"no_penalty": "exclude"}, ["1000000002"]),
    ],
)
def test_non_zero_balance_filters(client, csr, book, params, accounts):
    if "revenue_class" in params:
        params["revenue_class"] = RevenueClass.objects.get(code=params["revenue_class"]).pk
    c = _client(client, csr)
    _, rows = html_rows(c.get(url("non-zero-balance", **params)))
    assert [r[0] for r in rows] == accounts
    _, rows = csv_rows(c.get(url("non-zero-balance", format="csv", **params)))
    assert [r[0] for r in rows] == accounts


@pytest.mark.django_db
def test_columns_sort_both_ways(client, csr, book):
    c = _client(client, csr)
    html = c.get(url("non-zero-balance", sort="balance", dir="desc"))
    _, rows = html_rows(html)
    assert [r[5] for r in rows] == ["250.00", "100.00", "-50.00"]
    assert 'aria-sort="descending"' in html.content.decode()
    _, rows = csv_rows(c.get(url("non-zero-balance", sort="customer", format="csv")))
    assert [r[1] for r in rows] == ["Ann Able", "Bob Baker", "Cara Cole"]
    _, rows = csv_rows(
        c.get(url("non-zero-balance", sort="no_penalty_expires_on", dir="desc", format="csv"))
    )
    assert [r[0] for r in rows] == ["1000000001", "1000000003", "1000000002"]


@pytest.mark.django_db
def test_private_accounts_only_for_those_who_may_see_them(
    client, csr, supervisor, admin_user, book
):
    for user, sees in ((csr, False), (supervisor, False), (admin_user, True)):
        client.force_login(user)
        for slug in ("non-zero-balance", "credit-attributes", "account-grid"):
            _, rows = csv_rows(client.get(url(slug, format="csv")))
            assert ("1000000009" in [r[0] for r in rows]) is sees, (user, slug)
        _, rows = html_rows(client.get(url("non-zero-balance")))
        assert ("1000000009" in [r[0] for r in rows]) is sees
    client.force_login(admin_user)
    _, rows = csv_rows(client.get(url("non-zero-balance", format="csv", no_penalty="only")))
    assert rows[-1] == [
        "1000000009",
        "Pia Private",
        "9 Yew St",
        "RES",
        "Current",
        "60.00",
        "Yes",
        "",
    ]


CREDIT_HEAD = [
    *NZ_HEAD,
    "No Penalty active",
    "Credit rating",
    "Cash-only score",
    "Cash only",
]


@pytest.mark.django_db
def test_credit_attributes_report(client, csr, book):
    c = _client(client, csr)
    head, rows, pdf = all_formats(c, "credit-attributes")

    assert head == CREDIT_HEAD
    a1 = ["1000000001", "Ann Able", "1 Elm St", "RES", "Current", "100.00", "Yes", str(days(10))]
    assert rows == [
        [*a1, "Yes", "650", "120", "Yes"],
        [
            "1000000002",
            "Bob Baker",
            "2 Oak St",
            "COM",
            "Current",
            "250.00",
            "No",
            "",
            "No",
            "700",
            "0",
            "No",
        ],
        [
            "1000000003",
            "Cara Cole",
            "3 Ash St",
            "RES",
            "Current",
            "-50.00",
            "Yes",
            str(days(-1)),
            "No",
            "700",
            "0",
            "No",
        ],
        [
            "1000000004",
            "Dan Dow",
            "4 Fir St",
            "RES",
            "Current",
            "0.00",
            "No",
            "",
            "No",
            "700",
            "0",
            "No",
        ],
    ]
    assert "Credit Attributes" in pdf and "Cash-only" in pdf
    # The options group is a group box of radio buttons (seed 000).
    page = c.get(url("credit-attributes")).content.decode()
    assert "<legend>No Penalty options" in page and page.count('name="no_penalty"') == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "accounts"),
    [
        ({"no_penalty": "all"}, ["1000000001", "1000000002", "1000000003", "1000000004"]),
        ({"no_penalty": "set"}, ["1000000001", "1000000003"]),
        ({"no_penalty": "active"}, ["1000000001"]),
        ({"no_penalty": "expired"}, ["1000000003"]),
        ({"no_penalty": "active", "on": str(days(-5))}, ["1000000001", "1000000003"]),
        ({"no_penalty": "expired", "on": str(days(11))}, ["1000000001", "1000000003"]),
        ({"cash_only": "on"}, ["1000000001"]),
        ({"max_rating": "650"}, ["1000000001"]),
        ({"on": str(days(-10)), "max_rating": "620"}, ["1000000002"]),
        ({"on": str(days(-25)), "cash_only": "on"}, []),
    ],
)
def test_credit_attributes_options(client, csr, book, params, accounts):
    _, rows = csv_rows(_client(client, csr).get(url("credit-attributes", format="csv", **params)))
    assert [r[0] for r in rows] == accounts


GRID_HEAD = [
    "Account",
    "Customer",
    "Location",
    "Revenue class",
    "Status",
    "Service",
    "Account status",
    "Balance",
    "Past due",
    "Oldest due",
    "No Penalty",
    "No Penalty Expire Date",
]


@pytest.mark.django_db
def test_account_grid_report(client, csr, book):
    c = _client(client, csr)
    head, rows, pdf = all_formats(c, "account-grid")

    assert head == GRID_HEAD
    assert rows == [
        [
            "1000000001",
            "Ann Able",
            "1 Elm St",
            "RES",
            "Current",
            "Connected",
            "",
            "100.00",
            "100.00",
            str(days(-40)),
            "Yes",
            str(days(10)),
        ],
        [
            "1000000002",
            "Bob Baker",
            "2 Oak St",
            "COM",
            "Current",
            "Connected",
            "",
            "250.00",
            "0.00",
            "",
            "No",
            "",
        ],
        [
            "1000000003",
            "Cara Cole",
            "3 Ash St",
            "RES",
            "Current",
            "Connected",
            "",
            "-50.00",
            "0.00",
            "",
            "Yes",
            str(days(-1)),
        ],
        [
            "1000000004",
            "Dan Dow",
            "4 Fir St",
            "RES",
            "Current",
            "Connected",
            "",
            "0.00",
            "0.00",
            "",
            "No",
            "",
        ],
    ]
    assert "Grid Report - Account" in pdf and "No Penalty Expire Date" in pdf
    _, rows = csv_rows(c.get(url("account-grid", format="csv", nonzero="on", no_penalty="exclude")))
    assert [r[0] for r in rows] == ["1000000002"]


AGING_HEAD = [
    "Revenue class",
    "Description",
    "Accounts",
    "Current",
    "1-30",
    "31-60",
    "61-90",
    "Over 90",
    "Unapplied credit",
    "Total",
]


@pytest.mark.django_db
def test_aging_summary_by_revenue_class(client, csr, admin_user, book):
    c = _client(client, csr)
    html = c.get(url("aging"))
    head, rows = html_rows(html)
    assert head == AGING_HEAD
    assert rows == [
        ["COM", "COM", "1", "250.00", "0.00", "0.00", "0.00", "0.00", "0.00", "250.00"],
        ["RES", "RES", "2", "0.00", "0.00", "100.00", "0.00", "0.00", "-50.00", "50.00"],
    ]
    assert re.search(r'<tr class="total">.*?Total.*?300\.00', html.content.decode(), re.S)
    _, csv_ = csv_rows(c.get(url("aging", format="csv")))
    assert csv_ == rows
    _, summary = csv_rows(c.get(url("aging", format="csv", part="summary")))
    assert summary == [
        ["Total", "", "3", "250.00", "0.00", "100.00", "0.00", "0.00", "-50.00", "300.00"]
    ]
    pdf = pdf_text(c.get(url("aging", format="pdf")))
    assert "Aging summary by revenue class" in pdf and "300.00" in pdf

    client.force_login(admin_user)
    _, rows = csv_rows(client.get(url("aging", format="csv", sort="total", dir="desc")))
    assert rows == [
        ["COM", "COM", "1", "250.00", "0.00", "0.00", "0.00", "0.00", "0.00", "250.00"],
        ["RES", "RES", "3", "0.00", "60.00", "100.00", "0.00", "0.00", "-50.00", "110.00"],
    ]
    # A date before the first bill was due: all of it current.
    _, rows = csv_rows(client.get(url("aging", format="csv", on=str(days(-200)))))
    assert [r[3] for r in rows] == ["250.00", "160.00"]


@pytest.mark.django_db
def test_aging_buckets_agree_with_account_aging(book):
    rows = {r.account_id: r for r in aging_buckets(as_of=TODAY)}
    for key in ("a1", "a2", "a3", "p"):
        account = book[key]
        expected = account_aging(account=account, as_of=TODAY)
        got = rows[account.pk]
        assert (
            got.balance,
            got.current,
            got.days_0_30,
            got.days_31_60,
            got.days_61_90,
            got.days_over_90,
        ) == (
            expected.balance,
            expected.current,
            expected.days_0_30,
            expected.days_31_60,
            expected.days_61_90,
            expected.days_over_90,
        )
    assert book["a4"].pk not in rows  # nothing that ages
    assert rows[book["a3"].pk].unapplied_credit == D("-50.00")


amounts = st.decimals(min_value=D("1.00"), max_value=D("500.00"), places=2)


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bills=st.lists(st.tuples(amounts, st.integers(-150, 30)), min_size=1, max_size=5),
    credits=st.lists(amounts, max_size=3),
)
def test_aging_buckets_match_account_aging(bills, credits):
    account = AccountFactory()
    sa = ServiceAgreementFactory(account=account)
    for amount, offset in bills:
        billed_sa(amount, sa=sa, bill_date=days(offset - 21), due_date=days(offset))
    credit_type = AdjustmentTypeFactory()
    for amount in credits:
        adjustment_create(sa=sa, adjustment_type=credit_type, amount=-amount)

    (got,) = aging_buckets(as_of=TODAY, account_ids=[account.pk])
    expected = account_aging(account=account, as_of=TODAY)
    assert (got.current, got.days_0_30, got.days_31_60, got.days_61_90, got.days_over_90) == (
        expected.current,
        expected.days_0_30,
        expected.days_31_60,
        expected.days_61_90,
        expected.days_over_90,
    )
    assert got.balance == expected.balance
    # The summary is the sum of the accounts' buckets (earlier examples' accounts too).
    every = aging_buckets(as_of=TODAY)
    [summary] = aging_by_revenue_class(as_of=TODAY, include_private=True)
    assert summary.balance == sum(r.balance for r in every)
    assert summary.days_over_90 == sum(r.days_over_90 for r in every)
    assert summary.unapplied_credit == sum(r.unapplied_credit for r in every)


@pytest.fixture
def evaluations(book):
    from serviceorders.reference import reference_data_load
    from serviceorders.tests.builders import order

    reference_data_load()
    so = order(book["a1"], "DISCNP", effective_date=TODAY)
    on = days(-1)
    ShutoffEvaluation.objects.create(
        account=book["a1"],
        as_of=on,
        is_eligible=True,
        reason="Past due 40 days; notice sent 12 business days ago",
        checks=[{"rule": "past_due", "passed": True, "detail": "100.00 for 40 days"}],
        past_due=D("100.00"),
        service_order=so,
    )
    ShutoffEvaluation.objects.create(
        account=book["a3"],
        as_of=on,
        is_eligible=False,
        reason="Medical certificate",
        checks=[
            {"rule": "past_due", "passed": True, "detail": "80.00 for 100 days"},
            {"rule": "medical", "passed": False, "detail": "certificate until 2027-01-31"},
            {"rule": "arrangement", "passed": False, "detail": "active arrangement A-7"},
        ],
        past_due=D("80.00"),
    )
    ShutoffEvaluation.objects.create(
        account=book["p"], as_of=on, is_eligible=True, reason="Past due", past_due=D("60.00")
    )
    ShutoffEvaluation.objects.create(  # another day
        account=book["a2"], as_of=days(-2), is_eligible=False, reason="Not past due", past_due=0
    )
    return so


SHUTOFF_HEAD = [
    "Account",
    "Customer",
    "Location",
    "Revenue class",
    "Eligible",
    "Reason",
    "Rules not passed",
    "Past due",
    "Service order",
    "Order status",
]


@pytest.mark.django_db
def test_shutoff_candidates_report(client, csr, admin_user, evaluations):
    c = _client(client, csr)
    head, rows, pdf = all_formats(c, "shutoff-candidates")  # the latest day by default

    assert head == SHUTOFF_HEAD
    assert rows == [
        [
            "1000000001",
            "Ann Able",
            "1 Elm St",
            "RES",
            "Yes",
            "Past due 40 days; notice sent 12 business days ago",
            "",
            "100.00",
            evaluations.number,
            "Open",
        ],
        [
            "1000000003",
            "Cara Cole",
            "3 Ash St",
            "RES",
            "No",
            "Medical certificate",
            "medical: certificate until 2027-01-31; arrangement: active arrangement A-7",
            "80.00",
            "",
            "",
        ],
    ]
    assert (
        "Shut-off candidates" in pdf and evaluations.number in pdf and "Medical certificate" in pdf
    )
    _, rows = csv_rows(c.get(url("shutoff-candidates", format="csv", eligible="no")))
    assert [r[0] for r in rows] == ["1000000003"]
    _, rows = csv_rows(c.get(url("shutoff-candidates", format="csv", on=str(days(-2)))))
    assert [(r[0], r[4], r[5]) for r in rows] == [("1000000002", "No", "Not past due")]
    client.force_login(admin_user)
    _, rows = csv_rows(client.get(url("shutoff-candidates", format="csv", eligible="yes")))
    assert [r[0] for r in rows] == ["1000000001", "1000000009"]


@pytest.fixture
def decisions(book):
    def decide(account, on, outcome, reason, past_due, amount="0", detail=""):
        return PenaltyDecision.objects.create(
            account=account,
            as_of=on,
            outcome=outcome,
            reason=reason,
            past_due=D(past_due),
            amount=D(amount),
            detail=detail,
        )

    R = PenaltyDecision.Reason
    decide(book["a1"], days(-3), "skipped", R.NO_PENALTY, "100.00", detail="until " + str(days(10)))
    decide(book["a3"], days(-3), "charged", R.CHARGED, "80.00", "1.20")
    decide(book["a2"], days(-2), "charged", R.CHARGED, "250.00", "3.75")
    decide(book["a3"], days(-2), "skipped", R.GRACE, "80.00", detail="note grace date")
    decide(book["p"], days(-2), "skipped", R.NO_PENALTY, "60.00")
    decide(book["a1"], days(-40), "charged", R.CHARGED, "50.00", "0.75")  # outside the range


PENALTY_HEAD = ["Date", "Account", "Customer", "Outcome", "Reason", "Detail", "Past due", "Amount"]


@pytest.mark.django_db
def test_penalties_charged_and_skipped_by_reason(client, csr, admin_user, decisions):
    c = _client(client, csr)
    params = {"date_from": str(days(-7)), "date_to": str(TODAY)}
    head, rows, pdf = all_formats(c, "penalties", **params)

    assert head == PENALTY_HEAD
    assert rows == [
        [
            str(days(-3)),
            "1000000001",
            "Ann Able",
            "Skipped",
            "No Penalty is set",
            "until " + str(days(10)),
            "100.00",
            "0.00",
        ],
        [str(days(-3)), "1000000003", "Cara Cole", "Charged", "Late charge", "", "80.00", "1.20"],
        [str(days(-2)), "1000000002", "Bob Baker", "Charged", "Late charge", "", "250.00", "3.75"],
        [
            str(days(-2)),
            "1000000003",
            "Cara Cole",
            "Skipped",
            "Grace date on a note",
            "note grace date",
            "80.00",
            "0.00",
        ],
    ]
    summary_head, summary = csv_rows(
        c.get(url("penalties", format="csv", part="summary", **params))
    )
    assert summary_head == ["Outcome", "Reason", "Decisions", "Past due", "Amount"]
    assert summary == [
        ["Charged", "Late charge", "2", "330.00", "4.95"],
        ["Skipped", "No Penalty is set", "1", "100.00", "0.00"],
        ["Skipped", "Grace date on a note", "1", "80.00", "0.00"],
        ["Total", "", "4", "510.00", "4.95"],
    ]
    page = c.get(url("penalties", **params)).content.decode()
    assert "By reason" in page and "4.95" in page
    assert "By reason" in pdf and "Grace date on a note" in pdf

    _, rows = csv_rows(c.get(url("penalties", format="csv", reason="no_penalty", **params)))
    assert [r[1] for r in rows] == ["1000000001"]
    _, rows = csv_rows(c.get(url("penalties", format="csv", outcome="charged", **params)))
    assert [r[7] for r in rows] == ["1.20", "3.75"]
    client.force_login(admin_user)
    _, summary = csv_rows(client.get(url("penalties", format="csv", part="summary", **params)))
    assert summary[1] == ["Skipped", "No Penalty is set", "2", "160.00", "0.00"]


@pytest.mark.django_db
def test_bad_filters_are_refused(client, csr, book):
    c = _client(client, csr)
    response = c.get(url("non-zero-balance", min_balance="9", max_balance="1"))
    assert response.status_code == 422 and "upper bound" in response.content.decode()
    assert c.get(url("non-zero-balance", min_balance="x", format="csv")).status_code == 400
    assert (
        c.get(
            url("penalties", date_from="2026-02-01", date_to="2026-01-01", format="pdf")
        ).status_code
        == 400
    )
    assert c.get(url("non-zero-balance", format="xls")).status_code == 404
    assert c.get(url("no-such-report")).status_code == 404


@pytest.mark.django_db
def test_reports_menu_and_permission(client, csr, make_user, db):
    c = _client(client, csr)
    page = c.get(reverse("delinquency_reports:index")).content.decode()
    for title in (
        "Non-Zero Balance",
        "Credit Attributes",
        "Grid Report - Account",
        "Aging summary by revenue class",
        "Shut-off candidates",
        "Penalties charged and skipped",
        "Auto-reconnects",
    ):
        assert title in page
    assert reverse("serviceorders:reconnects") in page
    # The panel's top navigation links the menu.
    assert f'href="{reverse("delinquency_reports:index")}">Reports</a>' in page
    assert csr.has_perm("delinquency.view_reports")

    from django.contrib.auth.models import User

    nobody = User.objects.create_user("nobody", password=PASSWORD)
    client.force_login(nobody)
    assert client.get(reverse("delinquency_reports:index")).status_code == 403
    assert client.get(url("non-zero-balance", format="csv")).status_code == 403
    assert "Reports</a>" not in client.get(reverse("acp:search")).content.decode()
    client.logout()
    assert client.get(url("aging")).status_code == 302


def _many(n: int, start: int = 0) -> None:
    """n accounts with a bill past due, a No Penalty row on every other, a credit event,
    a shut-off evaluation and a penalty decision each."""
    for i in range(start, start + n):
        account = _account(f"30000{i:05d}", "Many", f"M{i}", f"{i} Long Rd")
        _bill(account, "10.00", days(-35))
        if i % 2:
            CreditAttributes.objects.create(account=account, no_penalty=True)
        CreditRatingEvent.objects.create(
            account=account, credit_rating_points=-1, reason="x", effective_on=days(-1)
        )
        ShutoffEvaluation.objects.create(
            account=account, as_of=days(-1), is_eligible=False, reason="r", past_due=D("10.00")
        )
        PenaltyDecision.objects.create(
            account=account,
            as_of=days(-1),
            outcome="charged",
            reason="charged",
            past_due=D("10.00"),
            amount=D("0.15"),
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "slug",
    [
        "non-zero-balance",
        "credit-attributes",
        "account-grid",
        "aging",
        "shutoff-candidates",
        "penalties",
    ],
)
def test_no_n_plus_one(client, csr, book, slug, django_assert_max_num_queries):
    c = _client(client, csr)
    c.get(url(slug))  # session and permission caches warm

    def counts() -> tuple[int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        sizes = []
        for fmt in ("html", "csv"):
            with CaptureQueriesContext(connection) as ctx:
                response = c.get(url(slug, format=fmt, date_from=str(days(-7))))
                if fmt == "csv":
                    b"".join(response.streaming_content)
            sizes.append(len(ctx.captured_queries))
        return tuple(sizes)

    _many(2)  # rows in every report (an empty page costs one query less)
    small = counts()
    _many(12, start=2)
    assert counts() == small
    with django_assert_max_num_queries(12):
        response = c.get(url(slug, format="csv"))
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) >= 3


@pytest.mark.django_db
def test_html_pages_and_pdf_cap(client, csr, book, monkeypatch):
    from delinquency.reports import views

    _many(7)
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    monkeypatch.setattr(views, "PDF_MAX_ROWS", 5)
    c = _client(client, csr)
    first = c.get(url("account-grid"))
    _, rows = html_rows(first)
    assert len(rows) == 4 and "Page 1 of 3 (11 rows)" in first.content.decode()
    _, last = html_rows(c.get(url("account-grid", page=3)))
    assert [r[0] for r in last] == ["3000000004", "3000000005", "3000000006"]
    pdf = pdf_text(c.get(url("account-grid", format="pdf")))
    assert "The first 5 of 11 rows; the CSV has them all." in " ".join(pdf.split())
    assert "3000000000" in pdf and "3000000001" not in pdf
    assert PDF_MAX_ROWS == 500


@pytest.mark.django_db(transaction=True)
def test_the_reports_permission_survives_a_flush(client, make_user):
    """The permission is a model's, so the database flush between transactional tests (or a
    new database) recreates it and the roles grant it again: a CSR still opens the menu."""
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0)
    csr = make_user("CSR", "csr-after-flush")
    client.force_login(csr)
    assert client.get("/acp/reports/").status_code == 200
