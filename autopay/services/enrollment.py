"""Setting up, changing and stopping an automatic payment (seed 001 steps 1.2-1.5; seed 004,
Customer tab, Auto Payment). Every change writes the account's change history; the bank
account number is stored encrypted and only ever shown masked, or in clear to a user who
re-enters their password, with an audit row (like an SSN)."""

import datetime as dt
import logging
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.us import rtn

from accounts.lock_objects import accounts_lock
from accounts.models import Account
from accounts.services.changes import Scope, changes_record, snapshot
from accounts.services.pii import RevealRefused, reveal_password_check
from cis.models import PiiRevealAudit
from cis.money import is_plain_decimal
from payments.processors import InvalidCardToken, card_processor

from ..models import Bank, Enrollment

logger = logging.getLogger(__name__)

COMMON_FIELDS = ("amount_option", "amount", "notify_in_advance", "start_on", "end_on")
DRAFT_FIELDS = ("bank_account_type", "routing_number", "bank_account_number")
CARD_FIELDS = ("processor", "card_token")
HISTORY_FIELDS = (
    "kind",
    *COMMON_FIELDS,
    "bank_account_type",
    "routing_number",
    "bank_account_number",
    "processor",
    "card_brand",
    "card_last4",
    "card_expires_on",
    "stopped_on",
    "stop_reason",
    "stop_comment",
)
MAX_AUTOPAY_AMOUNT = Decimal("99999999.99")  # what a NACHA amount field (10 digits) holds


def routing_number_clean(value: str) -> str:
    """A nine-digit ABA routing number with a right check digit (python-stdnum)."""
    try:
        return rtn.validate(value or "")
    except StdnumError:
        raise ValidationError(
            {"routing_number": "Enter the bank's nine-digit ABA routing number."}
        ) from None


def bank_account_number_clean(value: str) -> str:
    digits = re.sub(r"[ -]", "", value or "")
    if not re.fullmatch(r"[0-9]{4,17}", digits):
        raise ValidationError({"bank_account_number": "A bank account number is 4 to 17 digits."})
    return digits


def _amount_clean(option: str, amount: Any) -> Decimal | None:
    if option in (Enrollment.AmountOption.BALANCE, Enrollment.AmountOption.REQUIRED):
        return None
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, str) and is_plain_decimal(amount.strip()):
        value = Decimal(amount.strip())
    else:  # "1e3", "1_000", floats: plain decimal text only, as everywhere else
        value = None
    if (
        value is None
        or not value.is_finite()
        or value <= 0
        or value != value.quantize(Decimal("0.01"))
    ):
        raise ValidationError({"amount": "Enter the amount in dollars and cents, more than 0."})
    if value > MAX_AUTOPAY_AMOUNT:
        raise ValidationError(
            {"amount": f"An automatic payment is at most {MAX_AUTOPAY_AMOUNT:,}."}
        )
    return value


def bank_name(routing_number: str) -> str:
    return (
        Bank.objects.filter(routing_number=routing_number).values_list("name", flat=True).first()
        or ""
    )


def _apply(enrollment: Enrollment, data: dict[str, Any]) -> None:
    """Validate and set the fields of `data` (a full set-up or a change)."""
    errors: dict[str, list[str]] = {}

    def check(fn, *args):
        try:
            return fn(*args)
        except ValidationError as err:
            for key, messages in err.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            return None

    for name in COMMON_FIELDS:
        if name in data:
            setattr(enrollment, name, data[name])
    if "amount_option" in data or "amount" in data:
        enrollment.amount = check(
            _amount_clean, enrollment.amount_option, data.get("amount", enrollment.amount)
        )
    if enrollment.kind == Enrollment.Kind.DRAFT:
        if "routing_number" in data:
            enrollment.routing_number = check(routing_number_clean, data["routing_number"]) or ""
        if "bank_account_number" in data:
            number = check(bank_account_number_clean, data["bank_account_number"])
            if number:
                enrollment.bank_account_number = number
                enrollment.bank_account_last4 = number[-4:]
        if "bank_account_type" in data:
            enrollment.bank_account_type = data["bank_account_type"] or ""
        if enrollment.bank_account_type not in Enrollment.BankAccountType.values:
            errors.setdefault("bank_account_type", []).append("Choose checking or savings.")
    else:
        if "processor" in data or "card_token" in data:
            enrollment.processor = data.get("processor", enrollment.processor) or "sandbox"
            token = data.get("card_token", enrollment.card_token) or ""
            if token != enrollment.card_token:
                # A new card: its expiry gets its own notice (issue 10 item 6).
                enrollment.expiry_notice_sent_on = enrollment.expiry_notice_for = None
            enrollment.card_token = token
            try:
                details = card_processor(enrollment.processor).token_details(enrollment.card_token)
            except InvalidCardToken as err:
                errors.setdefault("card_token", []).append(str(err))
            else:
                if details.expires_on < timezone.localdate():
                    errors.setdefault("card_token", []).append("That card has expired.")
                enrollment.card_brand = details.brand
                enrollment.card_last4 = details.last4
                enrollment.card_expires_on = details.expires_on
    if enrollment.end_on and enrollment.start_on and enrollment.end_on < enrollment.start_on:
        errors.setdefault("end_on", []).append("The end date is before the start date.")
    if errors:
        raise ValidationError(errors)


def _scope(account: Account) -> Scope:
    return Scope(customer=account.customer, account=account)


def running_enrollment(account: Account) -> Enrollment | None:
    return Enrollment.objects.filter(account=account, stopped_on__isnull=True).first()


@transaction.atomic
def autopay_enroll(*, account: Account, user, data: dict[str, Any]) -> Enrollment:
    """Set up an automatic payment (seed 001 step 1.2). `data` holds `kind` ("draft" or
    "card"), `amount_option`, `amount` (maximum / fixed), `start_on` (default today),
    `end_on`, `notify_in_advance`, and the draft's bank details or the card's processor and
    token. An account with a running enrollment must stop it first."""
    (account,) = accounts_lock([account.pk])
    if running_enrollment(account) is not None:
        raise ValidationError(
            "This account already has an automatic payment: stop it before setting up another."
        )
    kind = data.get("kind")
    if kind not in Enrollment.Kind.values:
        raise ValidationError({"kind": "Choose bank draft or credit card."})
    if data.get("amount_option") not in Enrollment.AmountOption.values:
        raise ValidationError({"amount_option": "Choose how much to pay each cycle."})
    enrollment = Enrollment(
        account=account,
        kind=kind,
        start_on=data.get("start_on") or timezone.localdate(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    required = DRAFT_FIELDS if kind == Enrollment.Kind.DRAFT else ("card_token",)
    missing = {name: "This field is required." for name in required if not data.get(name)}
    if missing:
        raise ValidationError(missing)
    _apply(enrollment, {"amount": None, **data})
    enrollment.full_clean(exclude=["account"], validate_constraints=False)
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:
        raise ValidationError("This account already has an automatic payment.") from None
    changes_record(
        instance=enrollment, before={}, user=user, scope=_scope(account), action="created"
    )
    changes_record(
        instance=enrollment,
        before=dict.fromkeys(HISTORY_FIELDS, ""),
        user=user,
        scope=_scope(account),
    )
    return enrollment


@transaction.atomic
def autopay_change(*, enrollment: Enrollment, user, data: dict[str, Any]) -> Enrollment:
    """Change a running enrollment (seed 001 step 1.4): amount option, dates, notice, bank
    details or card. The kind stays; switching draft <-> card is a stop and a new set-up."""
    (account,) = accounts_lock([enrollment.account_id])
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.stopped_on is not None:
        raise ValidationError("This automatic payment is stopped; set up a new one instead.")
    if "kind" in data and data["kind"] != enrollment.kind:
        raise ValidationError(
            {"kind": "To switch between draft and card, stop this one and set up a new one."}
        )
    before = snapshot(enrollment, HISTORY_FIELDS)
    allowed = COMMON_FIELDS + (
        DRAFT_FIELDS if enrollment.kind == Enrollment.Kind.DRAFT else CARD_FIELDS
    )
    _apply(enrollment, {k: v for k, v in data.items() if k in allowed})
    enrollment.full_clean(exclude=["account"], validate_constraints=False)
    enrollment.save()
    changes_record(instance=enrollment, before=before, user=user, scope=_scope(account))
    return enrollment


@transaction.atomic
def autopay_stop(
    *,
    enrollment: Enrollment,
    user,
    reason: str,
    comment: str = "",
    on: dt.date | None = None,
) -> Enrollment:
    """Stop it (seed 001 step 1.5; also the NSF and expired-card stops): nothing is drafted
    from `on` (default today). Stopping a stopped enrollment changes nothing."""
    (account,) = accounts_lock([enrollment.account_id])
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.stopped_on is not None:
        return enrollment
    if reason not in Enrollment.StopReason.values:
        raise ValidationError({"stop_reason": "Choose why the automatic payment stops."})
    before = snapshot(enrollment, HISTORY_FIELDS)
    enrollment.stopped_on = on or timezone.localdate()
    enrollment.stop_reason = reason
    enrollment.stop_comment = (comment or "")[:200]
    enrollment.stopped_by = user if getattr(user, "pk", None) else None
    enrollment.save(update_fields=["stopped_on", "stop_reason", "stop_comment", "stopped_by"])
    changes_record(instance=enrollment, before=before, user=user, scope=_scope(account))
    return enrollment


def bank_account_reveal(
    *, user, enrollment: Enrollment, password: str, ip_address: str | None = None, request=None
) -> str:
    """The clear bank account number after the user re-enters their password (seed 004:
    "click Show and enter your login credentials ... all views are tracked"). One audit row
    per reveal, in the same table as SSN reveals."""
    if not user.has_perm("autopay.reveal_bank_account"):
        raise RevealRefused("You don't have permission to reveal bank details.", permission=True)
    reveal_password_check(user=user, password=password, request=request, what="Bank account")
    if enrollment.kind != Enrollment.Kind.DRAFT or not enrollment.bank_account_number:
        raise RevealRefused("Nothing is on file.")
    value = enrollment.bank_account_number
    with transaction.atomic():
        PiiRevealAudit.objects.create(
            user=user,
            customer_id=enrollment.account.customer_id,
            field="bank_account_number",
            detail=f"autopay {enrollment.pk} of account {enrollment.account.number}",
            ip_address=ip_address or None,
        )
    return value
