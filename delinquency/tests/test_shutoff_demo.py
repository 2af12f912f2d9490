"""The demo function: one candidate (one disconnect order), one blocked by its medical
certificate."""

import pytest

from delinquency.demo_shutoff import shutoff_demo
from delinquency.models import ShutoffEvaluation

from .shutoff_builders import AS_OF, candidate, ref_load

pytestmark = pytest.mark.django_db


def test_demo_makes_a_candidate_and_a_medically_protected_account():
    ref_load()
    big = candidate(300, noticed=False)
    small = candidate(200, noticed=False)
    picked = shutoff_demo(as_of=AS_OF, log=lambda _: None, run=True)
    assert picked == {"candidate": big.number, "medical": small.number}
    first = ShutoffEvaluation.objects.get(account=big, as_of=AS_OF)
    assert first.is_eligible and first.service_order is not None
    second = ShutoffEvaluation.objects.get(account=small, as_of=AS_OF)
    assert not second.is_eligible and second.reason.startswith("No valid medical certificate")
