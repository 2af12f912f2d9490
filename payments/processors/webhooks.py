"""Processor webhooks (issue 11 item 3, DESIGN §7): Paymentus, CDS Global and web self-care
tell us in real time about a payment they took, or one they reversed or refunded.

Scheme: the processor sends `X-OpenCIS-Timestamp: <unix seconds>` and
`X-OpenCIS-Signature: v1=<hex HMAC-SHA256(secret, b"<timestamp>." + raw body)>`. The secret is
per processor, from the environment (`OPENCIS_WEBHOOK_SECRET_<PROCESSOR>`, and `..._PREVIOUS`
while a rotation is under way: either is accepted). A timestamp more than
`OPENCIS_WEBHOOK_TOLERANCE_SECONDS` (300) away from now, a missing or wrong signature, or a
processor without a secret -> 401.

A payment posts to the processor's tender control for the day (one open control per source
per day, created on first use), distributed and frozen in the request. The processor's
transaction id is the event's external id: the `one_event_per_external_id` constraint makes
a repeated delivery (or the nightly file's line for it) post nothing; the repeat answers the
original with 200. A reversal or refund cancels the transaction's tender (and so its
payments) with the processor's reason.

`webhook_receive` is the whole thing; the view is a thin wrapper, so the sandbox sender
(`processor_send`) and the web self-care portal can deliver in-process.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account

from ..exceptions import PaymentError
from ..models import (
    ControlStatus,
    DepositControl,
    Payment,
    PaymentCancelReason,
    PaymentEvent,
    Tender,
    TenderControl,
    TenderSource,
    TenderType,
)

TIMESTAMP_HEADER = "X-OpenCIS-Timestamp"
SIGNATURE_HEADER = "X-OpenCIS-Signature"
SCHEME = "v1"
METHODS = {"card": "CARD", "ach": "ACH"}
TYPES = ("payment", "reversal", "refund")
# The cancel reason of a processor's reversal / refund notification.
CANCEL_REASONS = {"reversal": "PROCREV", "refund": "PROCREFUND"}
MAX_AMOUNT = Decimal("999999999999.99")  # what NUMERIC(14,2) holds
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class WebhookResult:
    status_code: int
    data: dict = field(default_factory=dict)


class _Refused(Exception):
    def __init__(self, status_code: int, data: dict):
        super().__init__(status_code)
        self.result = WebhookResult(status_code, data)


def processors() -> dict[str, str]:
    """Processor name -> tender source code."""
    return dict(settings.OPENCIS_WEBHOOK_PROCESSORS)


def _secrets(processor: str) -> list[str]:
    return list(settings.OPENCIS_WEBHOOK_SECRETS.get(processor, []))


def _mac(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_sign(
    *, processor: str, body: bytes, timestamp: int | None = None, secret: str | None = None
) -> dict[str, str]:
    """The headers a processor sends with `body` (the current secret unless one is given)."""
    if secret is None:
        secrets = _secrets(processor)
        if not secrets:
            raise PaymentError(f"no webhook secret for processor {processor!r}")
        secret = secrets[0]
    stamp = str(int(time.time()) if timestamp is None else int(timestamp))
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: f"{SCHEME}={_mac(secret, stamp, body)}"}


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:  # plain dicts from callers: any capitalisation
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), "")
    return value or ""


def _verify(processor: str, headers: Mapping[str, str], body: bytes) -> None:
    refused = _Refused(401, {"detail": "missing or invalid signature"})
    secrets = _secrets(processor)
    stamp = _header(headers, TIMESTAMP_HEADER).strip()
    signature = _header(headers, SIGNATURE_HEADER).strip()
    if not secrets or not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise refused
    if abs(time.time() - int(stamp)) > settings.OPENCIS_WEBHOOK_TOLERANCE_SECONDS:
        raise _Refused(401, {"detail": "timestamp outside the allowed window"})
    given = [
        part.split("=", 1)[1]
        for part in signature.split(",")
        if part.strip().startswith(f"{SCHEME}=")
    ]
    ok = False
    for secret in secrets:
        expected = _mac(secret, stamp, body)
        for candidate in given:
            # every comparison runs: no early exit tells which secret or part matched
            ok |= hmac.compare_digest(expected.encode(), candidate.strip().encode())
    if not ok:
        raise refused


@dataclass(frozen=True)
class _Body:
    type: str
    transaction_id: str
    account: str = ""
    amount: Decimal | None = None
    payment_date: date | None = None
    method: str = ""
    payer_name: str = ""
    reason: str = ""


def _text(data: dict, name: str, errors: dict, *, required: bool, max_length: int) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors[name] = ["This field is required."]
        return ""
    if not isinstance(value, str):
        errors[name] = ["Must be a string."]
        return ""
    if "\x00" in value:
        errors[name] = ["Null characters are not allowed."]
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors[name] = [f"At most {max_length} characters."]
        return ""
    if required and not value:
        errors[name] = ["This field is required."]
    return value


def _amount(data: dict, errors: dict) -> Decimal | None:
    value = data.get("amount")
    if value is None or value == "":
        errors["amount"] = ["This field is required."]
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errors["amount"] = ['Must be a decimal number as a string, e.g. "12.34".']
        return None
    text = str(value).strip()
    if len(text) > 40 or "\x00" in text:
        errors["amount"] = ["Not a valid amount."]
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors["amount"] = ["Not a valid amount."]
        return None
    if not amount.is_finite():
        errors["amount"] = ["Not a valid amount."]
    elif amount <= 0:
        errors["amount"] = ["Must be greater than zero."]
    elif amount > MAX_AMOUNT:
        errors["amount"] = [f"At most {MAX_AMOUNT}."]
    elif amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = ["At most 2 decimal places."]
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def _parse(body: bytes) -> _Body:
    if len(body) > MAX_BODY:
        raise _Refused(400, {"detail": f"the body is larger than {MAX_BODY} bytes"})
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _Refused(400, {"detail": "the body is not valid JSON"})
    if not isinstance(data, dict):
        raise _Refused(400, {"detail": "the body must be a JSON object"})
    errors: dict[str, list[str]] = {}
    kind = data.get("type", "payment")
    if kind not in TYPES:
        errors["type"] = [f"Must be one of: {', '.join(TYPES)}."]
    transaction_id = _text(data, "transaction_id", errors, required=True, max_length=80)
    if kind in CANCEL_REASONS:
        reason = _text(data, "reason", errors, required=False, max_length=200)
        if errors:
            raise _Refused(400, errors)
        return _Body(type=kind, transaction_id=transaction_id, reason=reason)
    account = _text(data, "account", errors, required=True, max_length=20)
    amount = _amount(data, errors)
    payer_name = _text(data, "payer_name", errors, required=False, max_length=120)
    day = None
    raw_date = data.get("payment_date")
    if raw_date is None or raw_date == "":
        errors["payment_date"] = ["This field is required."]
    elif not isinstance(raw_date, str) or len(raw_date) != 10:
        errors["payment_date"] = ["Must be a date YYYY-MM-DD."]
    else:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors["payment_date"] = ["Must be a date YYYY-MM-DD."]
    method = data.get("method")
    if method not in METHODS:
        errors["method"] = [f"Must be one of: {', '.join(METHODS)}."]
    if errors:
        raise _Refused(400, errors)
    return _Body(
        type=kind,
        transaction_id=transaction_id,
        account=account,
        amount=amount,
        payment_date=day,
        method=method,
        payer_name=payer_name,
    )


def webhook_receive(*, processor: str, headers: Mapping[str, str], body: bytes) -> WebhookResult:
    """Verify, parse and post (or cancel) one processor notification."""
    try:
        code = processors().get(processor)
        if code is None:
            raise _Refused(404, {"detail": "unknown processor"})
        _verify(processor, headers, body)
        parsed = _parse(body)
        source = TenderSource.objects.filter(code=code).first()
        if source is None:
            raise _Refused(503, {"detail": f"tender source {code} is not configured"})
        if parsed.type == "payment":
            return _payment(source, parsed)
        return _cancel(source, parsed)
    except _Refused as refused:
        return refused.result


def _answer(event: PaymentEvent, payment: Payment, account_number: str) -> dict:
    return {
        "payment_id": payment.pk,
        "event_id": event.pk,
        "account": account_number,
        "amount": f"{payment.amount:.2f}",
        "status": str(payment.status),
        "transaction_id": event.external_id,
    }


def _original(source: TenderSource, transaction_id: str) -> WebhookResult | None:
    event = PaymentEvent.objects.filter(tender_source=source, external_id=transaction_id).first()
    if event is None:
        return None
    payment = event.payments.select_related("account").order_by("pk").first()
    if payment is None:  # not a payment this endpoint posted (e.g. all transferred away)
        return WebhookResult(
            200, {"event_id": event.pk, "transaction_id": transaction_id, "payment_id": None}
        )
    return WebhookResult(200, _answer(event, payment, payment.account.number))


def _payment(source: TenderSource, body: _Body) -> WebhookResult:
    from ..services.events import DistributionMode, PaymentIn, TenderIn, payment_event_post

    if original := _original(source, body.transaction_id):
        return original
    account = Account.objects.filter(number=body.account).first()
    if account is None:
        # Any number we do not hold, private or not, gets the same answer.
        raise _Refused(400, {"account": ["unknown account"]})
    tender_type = TenderType.objects.get(code=METHODS[body.method])
    control = processor_control(tender_source=source, day=timezone.localdate())
    try:
        posted = payment_event_post(
            tender_source=source,
            tenders=[
                TenderIn(
                    tender_type=tender_type,
                    amount=body.amount,
                    tender_control=control,
                    external_id=body.transaction_id,
                )
            ],
            payments=[PaymentIn(account=account, amount=body.amount, payer_name=body.payer_name)],
            mode=DistributionMode.DISTRIBUTE_AND_FREEZE,
            payment_date=body.payment_date,
            external_id=body.transaction_id,
        )
    except (IntegrityError, ValidationError) as exc:
        # A concurrent delivery (or the nightly file) committed this transaction first.
        if original := _original(source, body.transaction_id):
            return original
        if isinstance(exc, ValidationError):
            raise _Refused(400, _messages(exc))
        raise
    except PaymentError as exc:
        raise _Refused(400, {"detail": str(exc)})
    return WebhookResult(201, _answer(posted.event, posted.payments[0], account.number))


def _messages(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"detail": " ".join(exc.messages)}


def _cancel(source: TenderSource, body: _Body) -> WebhookResult:
    from ..services.cancel import tender_cancel

    event = PaymentEvent.objects.filter(
        tender_source=source, external_id=body.transaction_id
    ).first()
    if event is None:
        raise _Refused(404, {"detail": "unknown transaction"})
    reason = PaymentCancelReason.objects.get(code=CANCEL_REASONS[body.type])
    comment = f"{body.type} by the processor" + (f": {body.reason}" if body.reason else "")
    for tender in event.tenders.filter(status=Tender.Status.VALID).order_by("pk"):
        try:
            tender_cancel(tender=tender, reason=reason, comment=comment)
        except PaymentError as exc:
            # Cancelled by a concurrent notification in between: that is the same result.
            tender.refresh_from_db(fields=["status"])
            if tender.status == Tender.Status.VALID:
                raise _Refused(409, {"detail": str(exc)})
    payments = list(event.payments.select_related("account", "cancel_reason").order_by("pk"))
    return WebhookResult(
        200,
        {
            "event_id": event.pk,
            "transaction_id": event.external_id,
            "type": body.type,
            "payments": [
                {
                    "payment_id": p.pk,
                    "account": p.account.number,
                    "amount": f"{p.amount:.2f}",
                    "status": str(p.status),
                    "cancel_reason": p.cancel_reason.code if p.cancel_reason else "",
                }
                for p in payments
            ],
        },
    )


def processor_control(*, tender_source: TenderSource, day: date) -> TenderControl:
    """The processor's open tender control for `day`, created on first use (its own
    deposit control). Concurrent first deliveries serialize on the tender source row (a
    no-key lock: inserts that reference the source are not blocked), so only one is made."""
    description = f"Processor {tender_source.code} {day.isoformat()}"

    def open_one() -> TenderControl | None:
        return (
            TenderControl.objects.filter(
                tender_source=tender_source,
                status=ControlStatus.OPEN,
                deposit_control__deposit_date=day,
                deposit_control__description=description,
            )
            .order_by("pk")
            .first()
        )

    if found := open_one():
        return found
    with transaction.atomic():
        TenderSource.objects.select_for_update(no_key=True).filter(pk=tender_source.pk).first()
        if found := open_one():
            return found
        deposit = DepositControl.objects.create(deposit_date=day, description=description)
        return TenderControl.objects.create(deposit_control=deposit, tender_source=tender_source)
