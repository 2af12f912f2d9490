import json

import pytest
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


def test_held_payments_are_decided_again_in_the_nightly_batch_after_tonights_postings():
    jobs = json.loads(PeriodicTask.objects.get(name="OpenCIS nightly batch").kwargs)["jobs"]
    assert jobs[-1] == "reconnect_held_payments"
    assert jobs.index("payment_upload") < jobs.index("reconnect_held_payments")
    assert jobs.index("autopay_distribute_freeze") < jobs.index("reconnect_held_payments")
