"""The ACH extract of draft autopays (seed 001 steps 5.7-5.8; DESIGN §5; README "ACH
extract"): activated clearings whose extract date has come go to the bank in one NACHA
PPD debit file per originator and effective date (the clearing's GL distribution date).
Re-presentments of returned drafts (presentment > 1) go in their own batch of that file,
with the company entry description "RETRY PYMT" (NACHA rules); the others keep the
originator's description.
Card autopays are charged instead (`autopay.services.charges`).

A file is one unit of work. The job's work item for drafts is the first (lowest id)
activated clearing of each effective date, its "leader"; processing it locks every
activated clearing of that date and writes them all into one file, so however the run is
chunked, and however many workers share it, a date's drafts go into one file per run.

Restart safety: the file is written under a hidden temporary name (`.NAME.part`) inside
the transaction that records the AchExtract and moves the clearings to Extracted, and
renamed to its real name only once that transaction has committed. So:

- a crash before the commit rolls everything back: no `.ach` file, the clearings still
  Activated; the re-run takes the same file id modifier and trace numbers (both are
  allocated from what is committed) and overwrites the same temporary name, so exactly
  one file appears, holding every entry;
- every `.ach` file in the outbox is one the database knows, with its sha256: the sender
  (step 6.2) can trust what it finds;
- the narrow window between the commit and the rename (a crash right then) leaves the
  `.part` file with the recorded hash: `ach_extract_file_publish` renames it, and
  `autopay_balance_controls`, the next job of the chain, calls it for every extract.

We chose this over recording the AchExtract first and reusing it because a half-done
extract row would need its own state and a repair path; here the database decides in one
commit whether the file exists.

Bank account numbers are decrypted only to build the entries; no message names them.
"""

import hashlib
import logging
import os
import string
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from stdnum.us import rtn

from cis.bulk import bulk_update_rows, id_in, state_logs_insert, transaction_lock

from ..models import AchExtract, AchOriginator, Clearing, Enrollment
from ..nacha import (
    AccountType,
    Batch,
    Entry,
    FileHeader,
    NachaFieldError,
    OffsetAccount,
    WrittenFile,
    nacha_file_write,
)
from ..nacha.fields import alpha, amount_cents, dfi_account, routing
from .returns import REPRESENTMENT_DESCRIPTION

log = logging.getLogger(__name__)

# A file id modifier tells a day's files apart (NACHA: A-Z, then 0-9).
FILE_ID_MODIFIERS = string.ascii_uppercase + string.digits
# pg_advisory_xact_lock key: extracts take modifiers and trace numbers one at a time.
_ALLOCATION_LOCK = 0x0A5C_E47A


class AchExtractError(Exception):
    """The extract cannot be written (no originator, no modifier left, file missing)."""


@dataclass
class FileOutcome:
    extract: AchExtract | None
    refused: list[str] = field(default_factory=list)  # one line per clearing left out


def ach_outbox() -> Path:
    default = Path(settings.BASE_DIR) / "var" / "outbox" / "ach"
    return Path(getattr(settings, "OPENCIS_ACH_OUTBOX", default))


def ach_originator_default() -> AchOriginator:
    originator = AchOriginator.objects.filter(is_default=True).first()
    if originator is None:
        raise AchExtractError("no default ACH originator: mark one default in the admin")
    return originator


def drafts_due(business_date: date) -> QuerySet[Clearing]:
    return Clearing.objects.filter(
        kind=Enrollment.Kind.DRAFT,
        status=Clearing.Status.ACTIVATED,
        extract_on__lte=business_date,
    )


def draft_file_leaders(business_date: date) -> QuerySet[Clearing]:
    """The first activated draft of each effective date: one work item per file."""
    firsts = (
        drafts_due(business_date)
        .order_by()
        .values("gl_distribution_on")
        .annotate(first=Min("pk"))
        .values("first")
    )
    return Clearing.objects.filter(pk__in=firsts)


def _allocation_lock() -> None:
    transaction_lock(_ALLOCATION_LOCK)


def _routing9(value: str) -> str:
    """The originator's routing number as the file wants it: 9 digits with the check
    digit (the admin may hold the 8-digit ODFI id)."""
    return value + rtn.calc_check_digit(value) if len(value) == 8 else value


def file_header(originator: AchOriginator, *, modifier: str) -> FileHeader:
    """The file header of an originator's file written now (drafts and refund credits)."""
    return FileHeader(
        immediate_destination=originator.immediate_destination,
        immediate_destination_name=originator.destination_name,
        immediate_origin=originator.immediate_origin,
        immediate_origin_name=originator.origin_name,
        originating_dfi=_routing9(originator.odfi_routing),
        created_at=timezone.localtime(),
        file_id_modifier=modifier,
    )


def _modifier_free(business_date: date) -> str:
    used = set(
        AchExtract.objects.filter(
            kind=Enrollment.Kind.DRAFT, business_date=business_date
        ).values_list("file_id_modifier", flat=True)
    )
    for modifier in FILE_ID_MODIFIERS:
        if modifier not in used:
            return modifier
    raise AchExtractError(f"all 36 file id modifiers of {business_date} are taken")


def _trace_sequence_next(odfi: str) -> int:
    """After the last trace number stored for this ODFI. The +2 steps over the offset
    entry, which takes the sequence after a file's last debit and is not stored."""
    last = (
        Clearing.objects.filter(trace_number__startswith=odfi)
        .order_by("-trace_number")
        .values_list("trace_number", flat=True)
        .first()
    )
    return int(last[8:]) + 2 if last else 1


def _entry(clearing: Clearing) -> Entry:
    """The entry of one clearing, each field checked so that one bad enrollment leaves
    only its own clearing out of the file (NachaFieldError names the field)."""
    enrollment = clearing.enrollment
    number = enrollment.bank_account_number  # decrypted here, for the file only
    try:
        dfi_account(number)
    except NachaFieldError:
        raise NachaFieldError("bank account number", "is not 1-17 letters, digits or hyphens")
    entry = Entry(
        routing_number=routing(enrollment.routing_number),
        account_number=number,
        account_type=AccountType(enrollment.bank_account_type),
        amount=clearing.amount,
        individual_id=clearing.account.number,
        individual_name=clearing.account.customer.display_name or clearing.account.number,
    )
    amount_cents(entry.amount)
    alpha(entry.individual_id, 15, "individual id (account number)", required=True)
    alpha(entry.individual_name, 22, "individual name", truncate=True, required=True)
    return entry


def _offset(originator: AchOriginator) -> OffsetAccount | None:
    if not (originator.offset_routing and originator.offset_account):
        return None
    return OffsetAccount(
        routing_number=_routing9(originator.offset_routing),
        account_number=originator.offset_account,
        account_type=AccountType(originator.offset_account_type or AccountType.CHECKING),
        name=originator.company_name,
    )


def _part_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.part")


def _file_write_part(path: Path, text: str) -> str:
    """Write the temporary file durably; returns its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("ascii")
    # The file holds bank account numbers in clear: readable by its owner only.
    fd = os.open(_part_path(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return hashlib.sha256(data).hexdigest()


def ach_extract_file_publish(*, extract: AchExtract) -> Path:
    """Make sure a committed draft extract's file is in the outbox under its real name:
    rename the temporary file if the rename after the commit did not happen. Raises
    AchExtractError when neither holds the recorded content."""
    path = Path(extract.file_path)
    if path.exists() and _sha256(path) == extract.file_sha256:
        return path
    part = _part_path(path)
    if part.exists() and _sha256(part) == extract.file_sha256:
        os.replace(part, path)
        _fsync_dir(path.parent)
        return path
    raise AchExtractError(f"ACH file {path} is missing or differs from what was recorded")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish_after_commit(extract_id: int) -> None:
    try:
        ach_extract_file_publish(extract=AchExtract.objects.get(pk=extract_id))
    except AchExtractError:
        # autopay_balance_controls publishes again and reports it if it still fails.
        log.exception("ACH extract %s: file not published", extract_id)


def _refusal(clearing: Clearing, error: Exception) -> str:
    return f"autopay {clearing.pk} (account {clearing.account.number}) left out: {error}"


def _entries(clearings: list[Clearing]) -> tuple[list[Clearing], list[Entry], list[str]]:
    kept, entries, refused = [], [], []
    for clearing in clearings:
        try:
            entries.append(_entry(clearing))
        except (NachaFieldError, ValueError) as error:
            refused.append(_refusal(clearing, error))
            continue
        kept.append(clearing)
    return kept, entries, refused


def _extract_record(
    *, business_date: date, effective_on: date, originator: AchOriginator, batch_run
) -> AchExtract:
    modifier = _modifier_free(business_date)
    name = f"ACH_{business_date:%Y%m%d}_{originator.code}_{effective_on:%Y%m%d}_{modifier}.ach"
    return AchExtract.objects.create(
        kind=Enrollment.Kind.DRAFT,
        business_date=business_date,
        effective_on=effective_on,
        originator=originator,
        file_name=name,
        file_path=str(ach_outbox() / name),
        file_id_modifier=modifier,
        batch_run=batch_run,
    )


def _batches_split(
    clearings: list[Clearing], entries: list[Entry]
) -> list[tuple[str, list[Clearing], list[Entry]]]:
    """(entry description, clearings, entries) per batch: first presentments under the
    originator's description, re-presentments (presentment > 1) in a batch of their own
    whose company entry description is REPRESENTMENT_DESCRIPTION, as the NACHA rules ask
    of a re-presented entry. Empty batches are left out."""
    first = [(c, e) for c, e in zip(clearings, entries, strict=True) if c.presentment <= 1]
    again = [(c, e) for c, e in zip(clearings, entries, strict=True) if c.presentment > 1]
    return [
        (description, [c for c, _ in pairs], [e for _, e in pairs])
        for description, pairs in ((None, first), (REPRESENTMENT_DESCRIPTION, again))
        if pairs
    ]


def _nacha_write(
    *,
    originator: AchOriginator,
    extract: AchExtract,
    batches: list[tuple[str | None, list[Entry]]],
) -> WrittenFile:
    """The file's text: one PPD batch of the originator per (entry description, entries)
    (None: the originator's own description), traces after the last stored."""
    header = file_header(originator, modifier=extract.file_id_modifier)
    odfi = header.originating_dfi
    offset = _offset(originator)
    written = [
        Batch(
            company_name=originator.company_name,
            company_id=originator.company_id,
            entry_description=description or originator.entry_description,
            effective_date=extract.effective_on,
            entries=entries,
            offset=offset,
        )
        for description, entries in batches
    ]
    try:
        return nacha_file_write(
            header=header, batches=written, first_trace_sequence=_trace_sequence_next(odfi[:8])
        )
    except NachaFieldError as error:
        # The originator's settings (each entry was checked already); its offset account
        # number is not repeated in the message.
        hidden = "account number" in error.field
        detail = "is not 1-17 letters, digits or hyphens" if hidden else error.message
        raise AchExtractError(f"originator {originator.code}: {error.field}: {detail}") from None


@transaction.atomic
def ach_file_extract(*, business_date: date, effective_on: date, batch_run=None) -> FileOutcome:
    """seed 001 steps 5.7-5.8: every activated draft due by `business_date` that settles
    on `effective_on`, into one NACHA file of the default originator (re-presentments in
    a RETRY PYMT batch of their own); the clearings go to
    Extracted with their trace numbers. Clearings whose bank details cannot be written
    stay Activated and are listed in `refused`."""
    originator = ach_originator_default()
    clearings = list(
        drafts_due(business_date)
        .filter(gl_distribution_on=effective_on)
        .select_related("enrollment", "account__customer")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    kept, entries, refused = _entries(clearings)
    if not kept:
        return FileOutcome(None, refused)
    _allocation_lock()
    extract = _extract_record(
        business_date=business_date,
        effective_on=effective_on,
        originator=originator,
        batch_run=batch_run,
    )
    batches = _batches_split(kept, entries)
    written = _nacha_write(
        originator=originator,
        extract=extract,
        batches=[(description, batch_entries) for description, _, batch_entries in batches],
    )
    extract.file_sha256 = _file_write_part(Path(extract.file_path), written.text)
    extract.entry_count = len(kept)
    extract.total = (Decimal(written.total_debit_cents) / 100).quantize(Decimal("0.01"))
    extract.entry_hash = written.entry_hash
    extract.save(update_fields=["file_sha256", "entry_count", "total", "entry_hash"])
    _clearings_mark_extracted(
        [c for _, batch_clearings, _ in batches for c in batch_clearings],
        [trace for batch in written.batches for trace in batch.trace_numbers],
        extract,
    )
    transaction.on_commit(partial(_publish_after_commit, extract.pk), robust=True)
    return FileOutcome(extract, refused)


def _clearings_mark_extracted(
    clearings: list[Clearing], traces: list[str], extract: AchExtract
) -> None:
    """Activated -> Extracted for a whole file in three statements (a night's file holds
    tens of thousands): the rows were selected Activated under their locks, so the
    transition holds for each; the transition log is written as `mark_extracted` would."""
    for clearing, trace in zip(clearings, traces, strict=True):
        clearing.trace_number = trace
        clearing.extract = extract
    bulk_update_rows(Clearing, clearings, ["trace_number", "extract"])
    ids = [clearing.pk for clearing in clearings]
    moved = Clearing.objects.filter(pk__in=id_in(ids), status=Clearing.Status.ACTIVATED).update(
        status=Clearing.Status.EXTRACTED
    )
    if moved != len(ids):
        raise AchExtractError(f"{len(ids) - moved} clearings of {extract.file_name} moved away")
    state_logs_insert(
        Clearing,
        ids,
        source=Clearing.Status.ACTIVATED.value,
        target=Clearing.Status.EXTRACTED.value,
        transition="mark_extracted",
    )
