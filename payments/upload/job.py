"""The upload job `payment_upload` (seed 003 steps 6.0-7.3): staging -> real controls,
events, tenders and payments, posted through the bulk path.

Work item: one deposit staging. A chunk of deposits is locked by the runner (SELECT ... FOR
UPDATE SKIP LOCKED), so several workers share a run without taking the same deposit; each
chunk runs in one transaction, so a worker killed mid-chunk leaves nothing half posted and
the re-run takes the same deposits again. A deposit is re-selected until it is Complete (a
payment dated in the future, or one a CSR is fixing, keeps it In progress); the parts of a
line (its own account's, each pay advice's) already linked to a payment are never posted
again, and each posted event carries an external id unique per tender source.

A line in error is not a failure of the run: it becomes an upload exception (and, with the
next job, a To Do entry), counts as skipped and is listed in the run's errors, so the run
completes and the nightly chain goes on.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import Account
from cis.batch import BatchJob, ChunkResult, register
from cis.bulk import bulk_update_rows, state_logs_insert
from cis.money import ZERO

from ..lock_objects import accounts_lock
from ..models import (
    ControlStatus,
    DepositControl,
    DepositStaging,
    PayAdviceStaging,
    Payment,
    PaymentStaging,
    StagingStatus,
    TenderControl,
    TenderStaging,
    UploadException,
    UploadFile,
)
from ..services.bulk import BulkPayment, payments_post_bulk
from ..services.controls import deposit_control_balance, tender_control_balance

OPEN = (StagingStatus.PENDING, StagingStatus.IN_PROGRESS)


def suspense_account() -> Account | None:
    """The configured suspense account (seed 003 step 7.0): `OPENCIS_SUSPENSE_ACCOUNT`
    (an account number), else the first account flagged `is_suspense`."""
    number = getattr(settings, "OPENCIS_SUSPENSE_ACCOUNT", "")
    qs = (
        Account.objects.filter(number=number)
        if number
        else Account.objects.filter(is_suspense=True)
    )
    return qs.order_by("pk").first()


def _open_deposits(business_date: date):
    return DepositStaging.objects.filter(status__in=OPEN, deposit_date__lte=business_date)


def _exception(record, reason: str, message: str) -> None:
    """Record the error once: an open exception per record (a DB constraint says so)."""
    field = {
        DepositStaging: "deposit_staging",
        TenderStaging: "tender_staging",
        PaymentStaging: "payment_staging",
    }[type(record)]
    if not UploadException.objects.filter(**{field: record, "resolved_at__isnull": True}).exists():
        UploadException.objects.create(**{field: record}, reason=reason, message=message)


def _fail(record, reason: str, message: str) -> None:
    record.fail(message)
    record.updated_at = timezone.now()
    record.save(update_fields=["status", "error_message", "updated_at"])
    _exception(record, reason, message)


def _start(record) -> None:
    record.start()
    record.updated_at = timezone.now()
    record.save(update_fields=["status", "updated_at"])


def _mismatch(what: str, count, total, exp_count, exp_total) -> str:
    problems = []
    if exp_count is not None and exp_count != count:
        problems.append(f"{what} declares {exp_count} payments but holds {count}")
    if exp_total is not None and exp_total != total:
        problems.append(f"{what} declares {exp_total} but holds {total}")
    return "; ".join(problems)


def _tender_figures(tenders: list[TenderStaging]) -> dict[int, tuple[int, Decimal]]:
    """Each tender staging's own payment lines: count and money (amounts as parsed)."""
    rows = (
        PaymentStaging.objects.filter(tender_staging__in=tenders)
        .values("tender_staging_id")
        .annotate(n=Count("pk"), s=Sum("amount"))
    )
    figures = {t.pk: (0, ZERO) for t in tenders}
    figures.update({r["tender_staging_id"]: (r["n"], r["s"] or ZERO) for r in rows})
    return figures


def _check_totals(deposit: DepositStaging, tenders: list[TenderStaging]) -> int:
    """Steps 6.0 and 6.2: a level whose figures disagree with what it holds is in Error.
    Returns how many payment lines this put in error with their level."""
    figures = _tender_figures(tenders)
    if deposit.status == StagingStatus.PENDING:
        count = sum(
            t.expected_count if t.expected_count is not None else figures[t.pk][0] for t in tenders
        )
        total = sum(
            (
                t.expected_total if t.expected_total is not None else figures[t.pk][1]
                for t in tenders
            ),
            ZERO,
        )
        problem = _mismatch(
            f"deposit {deposit.deposit_date}",
            count,
            total,
            deposit.expected_count,
            deposit.expected_total,
        )
        if problem:
            _fail(deposit, "totals", problem)
            return sum(n for n, _ in figures.values())
        _start(deposit)
    stuck = 0
    for tender in tenders:
        if tender.status != StagingStatus.PENDING:
            continue
        count, total = figures[tender.pk]
        problem = _mismatch(
            f"tender group {tender.reference or tender.pk}",
            count,
            total,
            tender.expected_count,
            tender.expected_total,
        )
        if problem:
            _fail(tender, "totals", problem)
            stuck += count
        else:
            _start(tender)
    return stuck


def _controls(deposit: DepositStaging, tenders: list[TenderStaging]) -> None:
    """The real deposit and tender controls, created once and linked to their staging."""
    if deposit.deposit_control_id is None:
        deposit.deposit_control = DepositControl.objects.create(
            deposit_date=deposit.deposit_date,
            description=f"Upload {deposit.upload_file.name}"[:120],
        )
        deposit.save(update_fields=["deposit_control"])
    for tender in tenders:
        if tender.tender_control_id is None:
            tender.tender_control = TenderControl.objects.create(
                deposit_control_id=deposit.deposit_control_id,
                tender_source_id=tender.tender_source_id,
            )
            tender.save(update_fields=["tender_control"])


@dataclass
class _Line:
    staging: PaymentStaging
    advice: PayAdviceStaging | None
    item: BulkPayment


def _resolve(account: Account | None, suspense: Account | None) -> tuple[Account | None, bool]:
    if account is not None and account.activity_status != Account.ActivityStatus.FINAL:
        return account, False
    return suspense, True


def _lines(
    payments: list[PaymentStaging], tenders: dict[int, TenderStaging], business_date: date
) -> tuple[list[_Line], ChunkResult]:
    """Bulk items for the payment lines ready to post; refusals go to Error."""
    result = ChunkResult()
    suspense = suspense_account()
    numbers = {p.account_reference for p in payments} | {
        a.account_reference for p in payments for a in p.advices.all()
    }
    by_number = Account.objects.in_bulk(numbers - {""}, field_name="number")
    lines: list[_Line] = []
    for p in payments:
        tender = tenders[p.tender_staging_id]
        day = p.accounting_date or p.payment_date
        if day is not None and day > business_date:
            result.skipped += 1  # seed 003 step 6.8: waits for its accounting date
            continue
        if p.already_posted:
            p.start()
            p.complete()
            p.save(update_fields=["status"])
            result.skipped += 1
            continue
        problem = ""
        if p.amount is None or p.amount <= 0:
            problem = (
                "bad_amount",
                f"line {p.line_number}: amount {p.amount_text!r} is not a payment",
            )
        elif day is None:
            problem = ("bad_date", f"line {p.line_number}: no accounting date")
        elif p.tender_type_id is None:
            problem = ("bad_tender_type", f"line {p.line_number}: no tender type")
        advices = list(p.advices.all())
        if not problem and any(a.amount is None or a.amount <= 0 for a in advices):
            problem = ("bad_amount", f"line {p.line_number}: a pay advice amount is not a payment")
        rest = (p.amount or ZERO) - sum((a.amount or ZERO for a in advices), ZERO)
        if not problem and rest < 0:
            problem = (
                "bad_amount",
                f"line {p.line_number}: pay advices add up to more than {p.amount}",
            )
        account, to_suspense = _resolve(p.account or by_number.get(p.account_reference), suspense)
        if not problem and account is None:
            problem = (
                "no_suspense",
                f"line {p.line_number}: account {p.account_reference!r} "
                "is unknown or closed and no suspense account is configured",
            )
        if problem:
            _fail(p, *problem)
            result.skipped += 1
            result.line_errors += 1
            result.errors.append(problem[1])
            continue
        p.account, p.to_suspense = account, to_suspense
        base = {
            "tender_type_id": p.tender_type_id,
            "accounting_date": day,
            "payment_date": p.payment_date,
            "tender_control_id": tender.tender_control_id,
            "tender_source_id": tender.tender_source_id,
            "check_number": p.check_number,
        }
        external = p.external_id or f"upload:{p.pk}"
        for n, a in enumerate(advices, 1):
            if a.payment_id is not None:
                continue  # posted by an earlier run (the line was refused in part)
            target, a_suspense = _resolve(a.account or by_number.get(a.account_reference), suspense)
            a.account, a.to_suspense = target or account, a_suspense
            lines.append(
                _Line(
                    p,
                    a,
                    BulkPayment(
                        account_id=a.account.pk,
                        amount=a.amount,
                        external_id=f"{external}/{n}"[:80],
                        **base,
                    ),
                )
            )
        if rest > 0 and p.payment_id is None:
            lines.append(
                _Line(
                    p,
                    None,
                    BulkPayment(
                        account_id=account.pk, amount=rest, external_id=external[:80], **base
                    ),
                )
            )
    return lines, result


def _post(lines: list[_Line], result: ChunkResult) -> None:
    if not lines:
        return
    bulk = payments_post_bulk(items=[line.item for line in lines])
    events = dict(
        Payment.objects.filter(pk__in=[i for i in bulk.payment_ids if i]).values_list(
            "pk", "event_id"
        )
    )
    refused: dict[int, str] = {}
    advices = []
    for n, line in enumerate(lines):
        pk = bulk.payment_ids[n]
        if pk is None:
            refused.setdefault(line.staging.pk, bulk.errors[n])
        elif line.advice is not None:
            line.advice.payment_id = pk
            advices.append(line.advice)
        else:
            line.staging.payment_id = pk
        if pk is not None and line.staging.event_id is None:
            line.staging.event_id = events[pk]
    bulk_update_rows(PayAdviceStaging, advices, ["account", "to_suspense", "payment"])
    now = timezone.now()
    done = []
    for staging in {line.staging.pk: line.staging for line in lines}.values():
        staging.updated_at = now
        if staging.pk in refused:
            # Whatever of it was posted stays linked; the rest waits for a CSR's fix.
            staging.save(update_fields=["account", "to_suspense", "event", "payment", "updated_at"])
            _fail(staging, "refused", f"line {staging.line_number}: {refused[staging.pk]}")
            result.skipped += 1
            result.line_errors += 1
            result.errors.append(f"line {staging.line_number}: {refused[staging.pk]}")
        else:
            done.append(staging)
    # Started and Complete, as `start()`, `complete()` and a save per line would, in
    # four statements.
    bulk_update_rows(
        PaymentStaging, done, ["account", "to_suspense", "event", "payment", "updated_at"]
    )
    ids = [staging.pk for staging in done]
    PaymentStaging.objects.filter(pk__in=ids).update(status=StagingStatus.COMPLETE)
    for transition, source, target in (
        ("start", StagingStatus.PENDING, StagingStatus.IN_PROGRESS),
        ("complete", StagingStatus.IN_PROGRESS, StagingStatus.COMPLETE),
    ):
        state_logs_insert(
            PaymentStaging,
            ids,
            source=source.value,
            target=target.value,
            transition=transition,
            now=now,
        )
    result.done += len(done)
    result.lines += len(done)
    result.money += sum((staging.amount for staging in done), ZERO)


def _close(deposit: DepositStaging, tenders: list[TenderStaging]) -> None:
    """Levels whose lines are all Complete are Complete, their controls balanced."""
    open_lines = set(
        PaymentStaging.objects.filter(tender_staging__in=tenders)
        .exclude(status=StagingStatus.COMPLETE)
        .values_list("tender_staging_id", flat=True)
    )
    now = timezone.now()
    for tender in tenders:
        if tender.status == StagingStatus.IN_PROGRESS and tender.pk not in open_lines:
            control = TenderControl.objects.get(pk=tender.tender_control_id)
            if control.status != ControlStatus.BALANCED:
                tender_control_balance(tender_control=control)
            tender.complete()
            tender.updated_at = now
            tender.save(update_fields=["status", "updated_at"])
    if deposit.status == StagingStatus.IN_PROGRESS and all(
        t.status == StagingStatus.COMPLETE for t in tenders
    ):
        control = DepositControl.objects.get(pk=deposit.deposit_control_id)
        if control.status != ControlStatus.BALANCED:
            deposit_control_balance(deposit_control=control)
        deposit.complete()
        deposit.updated_at = now
        deposit.save(update_fields=["status", "updated_at"])
        upload = UploadFile.objects.select_for_update().get(pk=deposit.upload_file_id)
        if not upload.deposits.exclude(status=StagingStatus.COMPLETE).exists():
            upload.status = UploadFile.Status.COMPLETE
            upload.save(update_fields=["status"])


def _lock_accounts(deposits: list[DepositStaging]) -> None:
    """Lock every account the chunk may pay, once and in id order, before any posting:
    deposits posted one after another would otherwise take account locks out of order,
    and two workers on one upload could deadlock."""
    lines = PaymentStaging.objects.filter(
        tender_staging__deposit_staging__in=deposits, status=StagingStatus.PENDING
    )
    numbers = set(lines.values_list("account_reference", flat=True)) | set(
        PayAdviceStaging.objects.filter(payment_staging__in=lines).values_list(
            "account_reference", flat=True
        )
    )
    ids = set(Account.objects.filter(number__in=numbers - {""}).values_list("pk", flat=True))
    ids |= set(lines.exclude(account=None).values_list("account_id", flat=True))
    suspense = suspense_account()
    if suspense is not None:
        ids.add(suspense.pk)
    accounts_lock(ids)


def upload_deposits(deposits: list[DepositStaging], business_date: date) -> ChunkResult:
    """Post a chunk of deposit stagings (locked by the caller)."""
    result = ChunkResult()
    _lock_accounts(deposits)
    for deposit in deposits:
        tenders = list(
            TenderStaging.objects.filter(deposit_staging=deposit).select_for_update().order_by("pk")
        )
        result.line_errors += _check_totals(deposit, tenders)
        if deposit.status != StagingStatus.IN_PROGRESS:
            result.skipped += 1
            if deposit.status == StagingStatus.ERROR:
                result.errors.append(f"deposit staging {deposit.pk}: {deposit.error_message}")
            continue
        working = [t for t in tenders if t.status == StagingStatus.IN_PROGRESS]
        _controls(deposit, working)
        # Pending lines, including one a CSR set Pending again after part of it posted:
        # the parts already linked to a payment are not posted again (see `_lines`).
        payments = list(
            PaymentStaging.objects.filter(tender_staging__in=working, status=StagingStatus.PENDING)
            .select_for_update(of=("self",))
            .prefetch_related("advices")
            .order_by("pk")
        )
        lines, lined = _lines(payments, {t.pk: t for t in working}, business_date)
        result.skipped += lined.skipped
        result.errors += lined.errors
        result.line_errors += lined.line_errors
        _post(lines, result)
        _close(deposit, tenders)
    return result


register(
    BatchJob(
        name="payment_upload",
        description="Post staged payment files: check each deposit's and tender group's "
        "counts and totals, create the deposit and tender controls, events, tenders and "
        "payments (unknown or closed accounts to suspense, pay advice split to its accounts) "
        "through the bulk path, balance the controls, mark staging Complete. Lines dated "
        "after the business date wait; errors become upload exceptions.",
        select=_open_deposits,
        process=upload_deposits,
        chunk_size=20,
    )
)
