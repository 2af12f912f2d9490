"""Notifications of change (COR entries, addenda 98): the bank tells us the bank details
an entry went out with were wrong and what they should be (NACHA: the originator makes the
change before its next entry, within six banking days).

C01 account number, C02 routing number, C03 both, C05 transaction code (the account
type), C06 account number and type, C07 all three: the enrollment is changed with a
change-history row (like `autopay_change`) and a note on the account, so the next extract
(which reads the enrollment when it writes the file) uses the corrected details.
C04 (name) is recorded only. Anything else, or corrected data we cannot take, becomes an
exception with a To Do.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.lock_objects import accounts_lock
from accounts.models import NoteType
from accounts.services.changes import changes_record, snapshot
from accounts.services.notes import note_create
from cis.crypto import mask

from ..models import AchInboundEntry, AchInboundFile, Clearing, Enrollment
from ..nacha import ChangeItem
from .enrollment import HISTORY_FIELDS, _scope, bank_account_number_clean, routing_number_clean
from .returns import (
    InboundResult,
    already_applied,
    duplicate_record,
    entry_account,
    inbound_exception,
)

APPLIED_CODES = {"C01", "C02", "C03", "C05", "C06", "C07"}
RECORDED_CODES = {"C04"}
SAVINGS_CODES = {32, 33, 37, 38}
NOTE_TYPE = "PAY"


def change_apply(
    *, item: ChangeItem, inbound: AchInboundFile, user, result: InboundResult
) -> AchInboundEntry:
    addenda = item.addenda
    corrected = addenda.corrected
    entry = AchInboundEntry(
        file=inbound,
        line_number=item.line,
        kind=AchInboundEntry.Kind.CHANGE,
        code=addenda.change_code,
        original_trace=addenda.original_trace_number,
        individual_id=item.individual_id[:15],
        corrected_data=_corrected_json(corrected),
    )
    earlier = already_applied(entry)
    if earlier is not None:
        duplicate_record(entry=entry, earlier=earlier, result=result)
        return entry
    clearing = (
        Clearing.objects.select_related("enrollment")
        .filter(trace_number=entry.original_trace)
        .first()
    )
    entry.clearing = clearing
    account = entry_account(entry.individual_id, clearing)
    problem = None
    if clearing is None:
        problem = f"no autopay entry has trace number {entry.original_trace}"
    elif entry.code not in APPLIED_CODES | RECORDED_CODES:
        problem = f"change code {entry.code} ({addenda.title}) is not one we apply"
    elif clearing.enrollment.kind != Enrollment.Kind.DRAFT:
        problem = f"autopay {clearing.pk} is a card payment: a NOC is for bank drafts"
    if problem:
        return inbound_exception(entry=entry, message=problem, account=account, result=result)
    if entry.code in RECORDED_CODES:
        entry.outcome = AchInboundEntry.Outcome.APPLIED
        entry.message = f"recorded only: corrected name {corrected.individual_name!r}"
        entry.save()
        result.changes_applied += 1
        return entry
    try:
        with transaction.atomic():
            message = _enrollment_correct(
                enrollment=clearing.enrollment, entry=entry, corrected=corrected, user=user
            )
            entry.outcome = AchInboundEntry.Outcome.APPLIED
            entry.message = message[:300]
            entry.save()
    except ValidationError as error:
        return inbound_exception(
            entry=entry,
            message=f"corrected data refused: {'; '.join(error.messages)}",
            account=account,
            result=result,
        )
    result.changes_applied += 1
    return entry


def _corrected_json(corrected) -> dict:
    """What the NOC corrects, kept on the entry; account numbers masked (the enrollment
    keeps the clear one encrypted)."""
    data = {"raw_masked": mask(corrected.raw) if corrected.account_number else corrected.raw}
    if corrected.account_number:
        data["account_number"] = mask(corrected.account_number)
    for name in ("routing_number", "transaction_code", "individual_name", "individual_id"):
        value = getattr(corrected, name)
        if value is not None:
            data[name] = value
    return data


def _enrollment_correct(*, enrollment: Enrollment, entry: AchInboundEntry, corrected, user) -> str:
    (account,) = accounts_lock([enrollment.account_id])
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    before = snapshot(enrollment, HISTORY_FIELDS)
    changed = []
    if corrected.routing_number is not None:
        enrollment.routing_number = routing_number_clean(corrected.routing_number)
        changed.append(f"routing number {enrollment.routing_number}")
    if corrected.account_number is not None:
        number = bank_account_number_clean(corrected.account_number)
        enrollment.bank_account_number = number
        enrollment.bank_account_last4 = number[-4:]
        changed.append(f"bank account {mask(number)}")
    if corrected.transaction_code is not None:
        enrollment.bank_account_type = (
            Enrollment.BankAccountType.SAVINGS
            if corrected.transaction_code in SAVINGS_CODES
            else Enrollment.BankAccountType.CHECKING
        )
        changed.append(f"account type {enrollment.get_bank_account_type_display().lower()}")
    enrollment.save(
        update_fields=[
            "routing_number",
            "bank_account_number",
            "bank_account_last4",
            "bank_account_type",
        ]
    )
    rows = changes_record(instance=enrollment, before=before, user=user, scope=_scope(account))
    what = ", ".join(changed)
    if not rows:
        return f"already up to date ({what})"
    note_type, _ = NoteType.objects.get_or_create(
        code=NOTE_TYPE, defaults={"description": "Payment"}
    )
    note_create(
        account=account,
        level="account",
        user=user if getattr(user, "pk", None) else None,
        data={
            "note_type": note_type,
            "subject": f"Autopay bank details corrected by the bank (NOC {entry.code})",
            "text": (
                f"Notification of change {entry.code} in {entry.file.file_name} (line "
                f"{entry.line_number}, autopay {entry.clearing_id}): {what}."
            ),
        },
    )
    return f"enrollment {enrollment.pk} corrected: {what}"
