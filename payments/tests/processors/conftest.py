import json
import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from payments.processors.webhooks import webhook_sign
from payments.tests.factories import account_with, bill


@pytest.fixture
def owing_account(pay_ref):
    """An account owing 84.20 on its water SA."""
    account, (water,) = account_with("WATER")
    bill(account, {water: "84.20"})
    return account


def body_of(to=None, **fields) -> bytes:
    """A payment notification for account `to` (fields given as None are left out)."""
    data = {
        "transaction_id": "PUS-1",
        "account": to.number if to is not None else "",
        "amount": "84.20",
        "payment_date": timezone.localdate().isoformat(),
        "method": "card",
        "payer_name": "Pat Doe",
    }
    data.update(fields)
    return json.dumps({k: v for k, v in data.items() if v is not None}).encode()


def deliver(body: bytes, processor: str = "paymentus", *, headers=None, client=None, **sign):
    """POST `body` signed as `processor` would (or with `headers`) through the real URL."""
    client = client or APIClient()
    headers = (
        headers if headers is not None else webhook_sign(processor=processor, body=body, **sign)
    )
    return client.generic(
        "POST",
        f"/api/v1/processors/{processor}/payments",
        body,
        content_type="application/json",
        headers=headers,
    )


def now() -> int:
    return int(time.time())
