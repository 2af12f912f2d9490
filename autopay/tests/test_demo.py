"""Demo autopays: `make run` shows drafts and cards whose details pass our own checks."""

import datetime as dt

import pytest
from stdnum.us import rtn

from autopay.demo import BANKS, demo_autopay
from autopay.models import Enrollment
from cis.demo import DemoContext


def test_demo_banks_have_valid_routing_numbers():
    assert all(rtn.is_valid(number) for number, _ in BANKS)


@pytest.mark.django_db
def test_demo_autopays_are_valid_enrollments_and_the_step_runs_once(reference_data):
    from accounts.tests.factories import AccountFactory

    AccountFactory.create_batch(40)
    ctx = DemoContext(accounts=40, seed=7, as_of=dt.date(2026, 11, 2), log=lambda _: None)
    demo_autopay(ctx)
    made = list(Enrollment.objects.all())
    assert made and {e.kind for e in made} <= {"draft", "card"}
    for enrollment in made:
        enrollment.full_clean()
        if enrollment.kind == "draft":
            assert enrollment.bank_account_number.endswith(enrollment.bank_account_last4)
    demo_autopay(ctx)
    assert Enrollment.objects.count() == len(made)
