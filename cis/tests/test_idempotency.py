"""Stored Idempotency-Key results expire (issue 7 item 16): the nightly
`purge_idempotency_keys` job deletes those older than OPENCIS_IDEMPOTENCY_KEY_DAYS."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone

from cis.batch import batch_run
from cis.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def _key(user, name: str, age_days: float) -> IdempotencyKey:
    key = IdempotencyKey.objects.create(
        key=name, user=user, method="POST", path="/x/", request_hash="0" * 64, response_status=201
    )
    IdempotencyKey.objects.filter(pk=key.pk).update(
        created_at=timezone.now() - dt.timedelta(days=age_days)
    )
    return key


@override_settings(OPENCIS_IDEMPOTENCY_KEY_DAYS=7)
def test_purge_job_deletes_keys_older_than_the_configured_days():
    """A key is honoured for a week (a client's retries come within minutes or hours);
    after that the table does not grow without end and a repeat runs again."""
    user = User.objects.create_user("integration")
    _key(user, "old", 9)
    _key(user, "recent", 2)
    run = batch_run(job_name="purge_idempotency_keys", business_date=timezone.localdate())
    assert run.status == "complete" and run.done == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
