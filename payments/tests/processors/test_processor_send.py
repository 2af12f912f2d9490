"""`processor_send`, the sandbox sender: signs and delivers like the processor would."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from accounts.ledger_checks import ledger_breaches
from payments.models import Payment


def send(*args) -> tuple[int, dict]:
    out = io.StringIO()
    call_command("processor_send", *args, stdout=out)
    status, _, body = out.getvalue().strip().partition(" ")
    return int(status), json.loads(body)


def test_processor_send_posts_a_payment_then_repeats_then_reverses_it(owing_account):
    n = owing_account.number
    args = ["--processor", "paymentus", "--account", n, "--amount", "84.20"]
    status, body = send(*args, "--transaction-id", "DEMO-1", "--method", "ach")
    assert status == 201 and body["status"] == "frozen" and body["transaction_id"] == "DEMO-1"
    payment = Payment.objects.get()
    assert payment.pk == body["payment_id"] and payment.event.tender_source.code == "PAYMENTUS"
    assert payment.event.tenders.get().tender_type.code == "ACH"
    assert send(*args, "--transaction-id", "DEMO-1") == (200, body)
    status, reversed_ = send(
        "--processor", "paymentus", "--type", "reversal", "--transaction-id", "DEMO-1"
    )
    assert status == 200 and reversed_["payments"][0]["status"] == "cancelled"
    assert list(ledger_breaches()) == []
    call_command("check_ledger", stdout=io.StringIO())


def test_processor_send_makes_a_new_transaction_id_each_time(owing_account):
    args = ["--processor", "cdsglobal", "--account", owing_account.number, "--amount", "1.00"]
    first, second = send(*args), send(*args)
    assert first[0] == second[0] == 201 and first[1]["payment_id"] != second[1]["payment_id"]


def test_processor_send_reports_a_refusal(owing_account):
    with pytest.raises(CommandError, match="refused"):
        call_command(
            "processor_send",
            "--processor",
            "paymentus",
            "--account",
            "nope",
            "--amount",
            "1.00",
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="unknown processor"):
        call_command("processor_send", "--processor", "stripe", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_processor_send_over_http(owing_account, live_server):
    status, body = send(
        "--processor",
        "paymentus",
        "--account",
        owing_account.number,
        "--amount",
        "84.20",
        "--url",
        live_server.url,
    )
    assert status == 201 and Payment.objects.get().pk == body["payment_id"]
