"""One way to show money (issue 8 items 3 and 5): what a CSR reads on the panel, on a
receipt and in a message is `$1,000,000,000.00` / `-$1,999.00`, never `1E+9` or `$-1999.00`."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from cis.money import money_format


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1000000000"), "$1,000,000,000.00"),
        (Decimal("1E+9"), "$1,000,000,000.00"),
        (Decimal("-1999"), "-$1,999.00"),
        (Decimal("-1999999893.04"), "-$1,999,999,893.04"),
        (Decimal("0"), "$0.00"),
        (Decimal("-0.004"), "$0.00"),
        (Decimal("12.345"), "$12.35"),
        ("40", "$40.00"),
        (None, ""),
    ],
)
def test_money_format(value, shown):
    assert money_format(value) == shown


def test_the_money_filter_uses_it():
    html = Template("{% load money %}{{ a|money }}").render(Context({"a": Decimal("-1E+3")}))
    assert html == "-$1,000.00"
