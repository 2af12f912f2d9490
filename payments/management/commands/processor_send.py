"""Sandbox sender (issue 11 item 3): sign and deliver a processor's payment (or reversal /
refund) webhook the way Paymentus, CDS Global or web self-care would, for demos and manual
tests. Without --url it is delivered in-process through `webhook_receive`; with --url it is
POSTed over HTTP to `<url>/api/v1/processors/<processor>/payments`."""

import json
import urllib.error
import urllib.request
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments.processors.webhooks import processors, webhook_receive, webhook_sign


class Command(BaseCommand):
    help = "Sign and send a processor webhook (payment, reversal or refund)."

    def add_arguments(self, parser):
        parser.add_argument("--processor", required=True, help="paymentus, cdsglobal, ...")
        parser.add_argument("--account", help="account number (payments)")
        parser.add_argument("--amount", help="e.g. 84.20 (payments)")
        parser.add_argument("--transaction-id", help="default: a new unique id")
        parser.add_argument("--date", help="payment date YYYY-MM-DD (default today)")
        parser.add_argument("--method", choices=["card", "ach"], default="card")
        parser.add_argument("--payer-name", default="")
        parser.add_argument("--type", choices=["payment", "reversal", "refund"], default="payment")
        parser.add_argument("--reason", default="", help="reversal / refund reason")
        parser.add_argument(
            "--url", help="base URL, e.g. http://127.0.0.1:8000 (default: in-process)"
        )
        parser.add_argument("--secret", help="sign with this secret instead of the configured one")

    def handle(self, *args, **opts):
        processor = opts["processor"]
        if processor not in processors():
            raise CommandError(
                f"unknown processor {processor!r} (known: {', '.join(processors())})"
            )
        kind = opts["type"]
        transaction_id = (
            opts["transaction_id"] or f"{processor[:3].upper()}-{uuid.uuid4().hex[:16]}"
        )
        data = {"transaction_id": transaction_id, "type": kind}
        if kind == "payment":
            if not opts["account"] or not opts["amount"]:
                raise CommandError("a payment needs --account and --amount")
            data |= {
                "account": opts["account"],
                "amount": opts["amount"],
                "payment_date": opts["date"] or timezone.localdate().isoformat(),
                "method": opts["method"],
            }
            if opts["payer_name"]:
                data["payer_name"] = opts["payer_name"]
        elif opts["reason"]:
            data["reason"] = opts["reason"]
        body = json.dumps(data).encode()
        try:
            headers = webhook_sign(processor=processor, body=body, secret=opts["secret"])
        except Exception as exc:  # no secret configured
            raise CommandError(str(exc))
        if opts["url"]:
            status, answer = self._post(opts["url"], processor, headers, body)
        else:
            result = webhook_receive(processor=processor, headers=headers, body=body)
            status, answer = result.status_code, result.data
        self.stdout.write(f"{status} {json.dumps(answer, sort_keys=True)}")
        if status >= 400:
            raise CommandError(f"the webhook was refused ({status})")

    @staticmethod
    def _post(url: str, processor: str, headers: dict, body: bytes) -> tuple[int, dict]:
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must be an http:// or https:// URL")
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
            f"{url.rstrip('/')}/api/v1/processors/{processor}/payments",
            data=body,
            headers={**headers, "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, {"detail": raw.decode(errors="replace")[:500]}
