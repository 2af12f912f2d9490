"""ACH returns and notifications of change read from the bank (issue 10 item 5; seed 001
steps 5.0-5.4; seed 003 steps 4.1-4.4 for the NSF effects).

`ach_file_import` reads one file (leniently: real bank files cut trailing blanks) and
applies every return (addenda 99) and NOC (addenda 98) in it, in line order, in one
transaction:

- the file is known by its SHA-256: the same file read again changes nothing and says so;
- a return or NOC already applied from another file (same kind, original trace and code:
  the `inbound_entry_applied_once` constraint) is recorded as a duplicate;
- a return is matched to its Clearing by the original entry trace number; one that
  matches nothing we can undo (unknown trace, not extracted, amount differs) becomes an
  exception with a To Do, never a silent drop;
- a malformed file raises NachaFormatError (naming the line) before anything is written.

What a return code does comes from the ReturnCodeRule table (autopay/reference.py); NOCs
are applied by autopay/services/nocs.py.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.lock_objects import accounts_lock
from accounts.models import Account, ToDoType
from accounts.services.work import todo_create
from payments.exceptions import PaymentError
from payments.models import Payment, Tender, TenderSource, TenderType
from payments.services.bulk import BulkPayment, payments_post_bulk
from payments.services.cancel import tender_cancel

from ..models import AchInboundEntry, AchInboundFile, Clearing, Enrollment, ReturnCodeRule
from ..nacha import ChangeItem, ReturnItem, nacha_file_read
from ..reference import FALLBACK_RETURN_CODE
from .dates import add_banking_days
from .enrollment import autopay_stop

TODO_TYPE = "ACHRETURN"
# NACHA Operating Rules: a re-presented entry carries this company entry description.
REPRESENTMENT_DESCRIPTION = "RETRY PYMT"

Outcome = AchInboundEntry.Outcome


@dataclass
class InboundResult:
    """What one file did (the command prints `lines()`)."""

    file: AchInboundFile | None
    already_imported: bool = False
    returns_applied: int = 0
    representments: int = 0
    stops: int = 0
    changes_applied: int = 0
    exceptions: int = 0
    duplicates: int = 0
    flagged: int = 0
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        name = self.file.file_name if self.file else "?"
        if self.already_imported:
            return [
                f"{name}: already imported on {self.file.imported_at:%Y-%m-%d %H:%M} "
                "(same file, by its SHA-256): nothing changed"
            ]
        return [
            f"{name}: {self.returns_applied} returns applied, {self.representments} "
            f"re-presentments, {self.stops} autopay stops, {self.changes_applied} NOCs "
            f"applied, {self.exceptions} exceptions (To Do), {self.duplicates} duplicates"
            + (
                f", {self.flagged} flagged (code not in the return-code table)"
                if self.flagged
                else ""
            ),
            *(f"  warning: {w}" for w in self.warnings),
        ]


@transaction.atomic
def ach_file_import(
    *, name: str, data: bytes, user=None, today: dt.date | None = None
) -> InboundResult:
    """Read and apply a return / NOC file. `today` is the business date (returned_on,
    the re-presentment's extract date); default today."""
    from .nocs import change_apply

    today = today or timezone.localdate()
    sha = hashlib.sha256(data).hexdigest()
    earlier = AchInboundFile.objects.filter(sha256=sha).first()
    if earlier is not None:
        return InboundResult(file=earlier, already_imported=True)
    ach = nacha_file_read(data, lenient=True)  # NachaFormatError: nothing written yet
    try:
        with transaction.atomic():
            inbound = AchInboundFile.objects.create(
                file_name=name[:255],
                sha256=sha,
                imported_by=user if getattr(user, "pk", None) else None,
            )
    except IntegrityError:  # the same bytes imported at the same moment: they won
        return InboundResult(file=AchInboundFile.objects.get(sha256=sha), already_imported=True)
    result = InboundResult(file=inbound, warnings=list(ach.warnings))
    items: list[ReturnItem | ChangeItem] = sorted(
        [*ach.returns(), *ach.changes()], key=lambda item: item.line
    )
    for item in items:
        if isinstance(item, ReturnItem):
            return_apply(item=item, inbound=inbound, today=today, user=user, result=result)
        else:
            change_apply(item=item, inbound=inbound, user=user, result=result)
    inbound.returns = result.returns_applied
    inbound.changes = result.changes_applied
    inbound.exceptions = result.exceptions
    inbound.save(update_fields=["returns", "changes", "exceptions"])
    return result


def inbound_exception(
    *,
    entry: AchInboundEntry,
    message: str,
    account: Account | None,
    result: InboundResult,
) -> AchInboundEntry:
    """Record the entry as an exception and raise a To Do for a person to look at it."""
    entry.outcome = Outcome.EXCEPTION
    entry.message = message[:300]
    entry.save()
    what = "return" if entry.kind == AchInboundEntry.Kind.RETURN else "notification of change"
    _todo(
        subject=f"ACH {what} {entry.code} not applied: {message}",
        detail=(
            f"File {entry.file.file_name}, line {entry.line_number}: {what} {entry.code} for "
            f"original trace {entry.original_trace} (individual id {entry.individual_id!r}, "
            f"amount {entry.amount}). {message}"
        ),
        account=account,
        source=f"autopay.AchInboundEntry:{entry.pk}",
    )
    result.exceptions += 1
    return entry


def _todo(*, subject: str, detail: str, account: Account | None, source: str) -> None:
    ToDoType.objects.get_or_create(
        code=TODO_TYPE,
        defaults={"description": "ACH return or NOC needs review", "priority": 20},
    )
    todo_create(
        type_code=TODO_TYPE,
        subject=subject[:200],
        detail=detail,
        account=account,
        source=source,
    )


def already_applied(entry: AchInboundEntry) -> AchInboundEntry | None:
    return (
        AchInboundEntry.objects.filter(
            kind=entry.kind, original_trace=entry.original_trace, code=entry.code
        )
        .filter(outcome=Outcome.APPLIED)
        .select_related("file")
        .first()
    )


def entry_account(individual_id: str, clearing: Clearing | None) -> Account | None:
    """The account a To Do is about: the clearing's, else our account number as the entry
    carried it in its individual id."""
    if clearing is not None:
        return clearing.account
    return Account.objects.filter(number=individual_id).first() if individual_id else None


def duplicate_record(*, entry: AchInboundEntry, earlier: AchInboundEntry, result) -> None:
    entry.outcome = Outcome.DUPLICATE
    entry.clearing_id = earlier.clearing_id
    entry.message = f"already applied from {earlier.file.file_name} line {earlier.line_number}"
    entry.save()
    result.duplicates += 1


def return_apply(
    *, item: ReturnItem, inbound: AchInboundFile, today: dt.date, user, result: InboundResult
) -> AchInboundEntry:
    """One returned entry: cancel its tender with the rule's reason (fee, credit rating,
    cash-only points, collection review), mark the clearing returned, then stop autopay
    and / or present the entry again as the rule says."""
    addenda = item.addenda
    entry = AchInboundEntry(
        file=inbound,
        line_number=item.line,
        kind=AchInboundEntry.Kind.RETURN,
        code=addenda.reason_code,
        original_trace=addenda.original_trace_number,
        individual_id=item.individual_id[:15],
        amount=item.amount,
    )
    earlier = already_applied(entry)
    if earlier is not None:
        duplicate_record(entry=entry, earlier=earlier, result=result)
        return entry
    clearing = Clearing.objects.filter(trace_number=entry.original_trace).first()
    entry.clearing = clearing
    problem = _return_mismatch(clearing, entry)
    if problem:
        return inbound_exception(
            entry=entry,
            message=problem,
            account=entry_account(entry.individual_id, clearing),
            result=result,
        )
    rule = ReturnCodeRule.objects.select_related("cancel_reason").filter(code=entry.code).first()
    flagged = rule is None
    if flagged:
        rule = ReturnCodeRule.objects.select_related("cancel_reason").get(code=FALLBACK_RETURN_CODE)
    try:
        with transaction.atomic():
            message = _return_effects(
                clearing=clearing, rule=rule, entry=entry, today=today, user=user, result=result
            )
            entry.outcome = Outcome.APPLIED
            entry.message = message[:300]
            entry.save()
    except _AppliedMeanwhile as applied:
        duplicate_record(entry=entry, earlier=applied.earlier, result=result)
        return entry
    except (PaymentError, ValidationError, IntegrityError) as error:
        text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return inbound_exception(
            entry=entry,
            message=f"could not cancel: {text}",
            account=clearing.account,
            result=result,
        )
    result.returns_applied += 1
    if flagged:
        result.flagged += 1
        _flag(entry=entry, clearing=clearing, rule=rule)
    return entry


class _AppliedMeanwhile(Exception):
    def __init__(self, earlier: AchInboundEntry):
        self.earlier = earlier


def _return_mismatch(clearing: Clearing | None, entry: AchInboundEntry) -> str | None:
    if clearing is None:
        return f"no autopay entry has trace number {entry.original_trace}"
    if clearing.status != Clearing.Status.EXTRACTED:
        return f"autopay {clearing.pk} is {clearing.get_status_display().lower()}, not extracted"
    if clearing.amount != entry.amount:
        return f"amount {entry.amount} is not autopay {clearing.pk}'s {clearing.amount}"
    if clearing.tender_id is None:
        return f"autopay {clearing.pk} has no tender to cancel"
    return None


def _flag(*, entry: AchInboundEntry, clearing: Clearing, rule: ReturnCodeRule) -> None:
    _todo(
        subject=f"ACH return {entry.code} is not in the return-code table: applied as {rule.code}",
        detail=f"Autopay {clearing.pk} was cancelled with reason {rule.cancel_reason.code}; "
        f"add {entry.code} to the return-code table if it should do something else.",
        account=clearing.account,
        source=f"autopay.AchInboundEntry:{entry.pk}",
    )


def _return_effects(
    *,
    clearing: Clearing,
    rule: ReturnCodeRule,
    entry: AchInboundEntry,
    today: dt.date,
    user,
    result: InboundResult,
) -> str:
    accounts_lock([clearing.account_id])
    clearing = Clearing.objects.select_for_update().get(pk=clearing.pk)
    # Another import of the same return (another file) may have committed while we waited
    # for the lock: that is a duplicate, not an exception.
    earlier = already_applied(entry)
    if earlier is not None:
        raise _AppliedMeanwhile(earlier)
    if clearing.status != Clearing.Status.EXTRACTED:
        raise PaymentError(f"autopay {clearing.pk} is {clearing.status}, not extracted")
    tender = Tender.objects.get(pk=clearing.tender_id)
    reason = rule.cancel_reason
    comment = f"ACH return {entry.code} (file {entry.file.file_name} line {entry.line_number})"
    # The clearing is returned before the tender's cancellation is announced (on commit),
    # so the tender receiver leaves it alone: this service does its own bookkeeping.
    clearing.mark_returned()
    clearing.return_code = entry.code
    clearing.returned_on = today
    clearing.save(update_fields=["status", "return_code", "returned_on"])
    tender_cancel(tender=tender, reason=reason, comment=comment, user=user)
    done = [f"tender {tender.pk} cancelled ({reason.code})"]
    enrollment = Enrollment.objects.get(pk=clearing.enrollment_id)
    stop_reason, stop_why = _stop_reason(rule=rule, clearing=clearing, today=today)
    if stop_reason and enrollment.stopped_on is None:
        autopay_stop(
            enrollment=enrollment, user=user, reason=stop_reason, comment=stop_why, on=today
        )
        enrollment.refresh_from_db()
        result.stops += 1
        done.append(f"autopay stopped ({stop_why})")
    if _may_represent(clearing=clearing, rule=rule, enrollment=enrollment, today=today):
        again = representment_create(clearing=clearing, today=today, user=user)
        if isinstance(again, Clearing):
            result.representments += 1
            done.append(f"presented again as autopay {again.pk} on {again.extract_on}")
        else:
            done.append(f"not presented again: {again}")
            _todo(
                subject=f"Returned autopay {clearing.pk} could not be presented again",
                detail=f"ACH return {entry.code}: the re-presentment was refused: {again}",
                account=clearing.account,
                source=f"autopay.Clearing:{clearing.pk}",
            )
    return "; ".join(done)


def _stop_reason(*, rule: ReturnCodeRule, clearing: Clearing, today: dt.date) -> tuple[str, str]:
    """The rule's own stop (account invalid, unauthorized), else the NSF stop: the
    account's Nth distinct returned entry for NSF within the configured months
    (re-presentments of one entry count once)."""
    if rule.stops_autopay:
        return rule.stop_reason, f"ACH return {clearing.return_code}: {rule.description}"
    if rule.category != ReturnCodeRule.Category.NSF:
        return "", ""
    limit = getattr(settings, "OPENCIS_AUTOPAY_NSF_STOP_COUNT", 2)
    months = getattr(settings, "OPENCIS_AUTOPAY_NSF_MONTHS", 12)
    if not limit:
        return "", ""
    items = nsf_returns_count(account_id=clearing.account_id, today=today)
    if items >= limit:
        return Enrollment.StopReason.NSF, f"{items} NSF returns within {months} months"
    return "", ""


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _may_represent(
    *, clearing: Clearing, rule: ReturnCodeRule, enrollment: Enrollment, today: dt.date
) -> bool:
    """NACHA: an NSF-returned entry may be presented at most twice more, within 180 days of
    the original entry's settlement date; never once the enrollment is stopped."""
    if enrollment.kind != Enrollment.Kind.DRAFT or enrollment.stopped_on is not None:
        return False
    if clearing.presentment - 1 >= rule.max_representments:
        return False
    original = clearing.represents or clearing
    days = getattr(settings, "OPENCIS_AUTOPAY_REPRESENT_DAYS", 180)
    return today <= original.gl_distribution_on + dt.timedelta(days=days)


def representment_create(*, clearing: Clearing, today: dt.date, user) -> Clearing | str:
    """A new clearing for the same amount (presentment n+1, pointing at the original),
    extracted on the next banking day, frozen with its own payment posted through the bulk
    path like every autopay payment; the nightly activate and extract jobs send it (the
    extract gives entries with presentment > 1 the REPRESENTMENT_DESCRIPTION).
    Returns why not when the payment is refused (the returned clearing stays as it is)."""
    lead = getattr(settings, "OPENCIS_AUTOPAY_LEAD_DAYS", 2)
    extract_on = add_banking_days(today, 1)
    settle_on = add_banking_days(extract_on, lead)
    original = clearing.represents or clearing
    try:
        with transaction.atomic():
            again = Clearing.objects.create(
                enrollment_id=clearing.enrollment_id,
                account_id=clearing.account_id,
                bill_id=clearing.bill_id,
                kind=clearing.kind,
                status=Clearing.Status.FROZEN,
                amount=clearing.amount,
                extract_on=extract_on,
                gl_distribution_on=settle_on,
                payment_on=extract_on,
                presentment=clearing.presentment + 1,
                represents=original,
                created_by=user if getattr(user, "pk", None) else None,
            )
            _post_payment(again)
            return again
    except PaymentError as error:
        return str(error)


def _post_payment(clearing: Clearing) -> None:
    enrollment = clearing.enrollment
    item = BulkPayment(
        account_id=clearing.account_id,
        amount=Decimal(clearing.amount),
        tender_type_id=TenderType.objects.get(code="ACH").pk,
        accounting_date=clearing.gl_distribution_on,
        payment_date=clearing.payment_on,
        last4=enrollment.bank_account_last4,
        external_id=f"AUTOPAY-{clearing.pk}",
    )
    posted = payments_post_bulk(
        items=[item], tender_source=TenderSource.objects.get(code="AUTOPAY")
    )
    if posted.frozen != 1:
        raise PaymentError(posted.errors.get(0, "the payment was not frozen"))
    payment = Payment.objects.get(pk=posted.payment_ids[0])
    tender = Tender.objects.get(event_id=payment.event_id)
    Clearing.objects.filter(pk=clearing.pk).update(payment=payment, tender=tender)


def nsf_returns_count(*, account_id: int, today: dt.date) -> int:
    """Distinct entries of the account returned for NSF within the configured months."""
    months = getattr(settings, "OPENCIS_AUTOPAY_NSF_MONTHS", 12)
    nsf_codes = ReturnCodeRule.objects.filter(category=ReturnCodeRule.Category.NSF).values("code")
    return (
        Clearing.objects.filter(
            Q(account_id=account_id)
            & Q(status=Clearing.Status.RETURNED)
            & Q(return_code__in=nsf_codes)
            & Q(returned_on__gt=_months_before(today, months))
        )
        .annotate(original=Coalesce(F("represents_id"), F("pk")))
        .order_by()
        .values("original")
        .distinct()
        .count()
    )
