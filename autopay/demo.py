"""Demo autopays (`seed_demo`): about one account in seven pays by itself, most by bank
draft, some by card on the sandbox processor, with every amount option."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from cis.demo import DemoContext, register_step
from cis.money import money_format

from .models import Bank, Clearing, Enrollment

# Published routing numbers of large US banks and Federal Reserve banks (check digits valid).
BANKS = [
    ("011000015", "Federal Reserve Bank of Boston"),
    ("021000021", "JPMorgan Chase Bank, New York"),
    ("026009593", "Bank of America, New York"),
    ("071000013", "JPMorgan Chase Bank, Illinois"),
    ("121000248", "Wells Fargo Bank, California"),
    ("091000019", "Wells Fargo Bank, Minnesota"),
]
CARD_TOKENS = ["sbx_approve_visa_4242_1230", "sbx_approve_mastercard_4444_0629"]
OPTIONS = ["balance", "balance", "balance", "maximum", "fixed", "required"]


@register_step(45, "autopay enrollments")
def demo_autopay(ctx: DemoContext) -> None:
    from payments.processors import card_processor

    from .reference import reference_data_load

    reference_data_load()
    if Enrollment.objects.exists():
        ctx.log("autopay enrollments exist already: skipped")
        return
    Bank.objects.bulk_create(
        [Bank(routing_number=n, name=name) for n, name in BANKS], ignore_conflicts=True
    )
    rng = random.Random(ctx.seed * 7919 + 45)
    ids = list(
        Account.objects.filter(is_suspense=False, closed_on__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = [pk for pk in ids if rng.random() < 0.15]
    sandbox = card_processor("sandbox")
    made = []
    for pk in chosen:
        option = rng.choice(OPTIONS)
        amount = None
        if option == "maximum":
            amount = Decimal(rng.choice([150, 200, 250, 400]))
        elif option == "fixed":
            amount = Decimal(rng.choice([45, 60, 75, 90]))
        common = {
            "account_id": pk,
            "amount_option": option,
            "amount": amount,
            "notify_in_advance": rng.random() < 0.3,
            "start_on": ctx.as_of - timedelta(days=rng.randint(30, 700)),
        }
        if rng.random() < 0.75:
            number = str(rng.randint(10**7, 10**12))
            made.append(
                Enrollment(
                    kind="draft",
                    bank_account_type=rng.choice(["checking", "checking", "savings"]),
                    routing_number=rng.choice(BANKS)[0],
                    bank_account_number=number,
                    bank_account_last4=number[-4:],
                    **common,
                )
            )
        else:
            token = rng.choice(CARD_TOKENS)
            card = sandbox.token_details(token)
            made.append(
                Enrollment(
                    kind="card",
                    processor="sandbox",
                    card_token=token,
                    card_brand=card.brand,
                    card_last4=card.last4,
                    card_expires_on=card.expires_on,
                    **common,
                )
            )
    with transaction.atomic():
        Enrollment.objects.bulk_create(made, batch_size=2000)
    drafts = sum(1 for e in made if e.kind == "draft")
    ctx.log(f"  {len(made)} autopays ({drafts} drafts, {len(made) - drafts} cards)")
    if made:
        sample = Account.objects.filter(pk__in=[made[0].account_id, made[-1].account_id])
        ctx.log("  e.g. " + ", ".join(a.number for a in sample))


# Clearing records for the panel (issue 10 items 4 and 7) -------------------------------
#
# The nightly jobs make clearing records from bills; the demo's bills were completed before
# anyone enrolled (step 20 < step 45), so step 46 gives a sample of the demo autopays one
# record each, in every state a CSR meets on the Auto Payment sub-tab. Payments go through
# the shared bulk path the autopay jobs use (tender source AUTOPAY, ACH or CARD tender,
# external id AUTOPAY-<clearing id>, accounting date = the GL distribution date), and the
# return through the payments app's tender cancellation, so the ledger is the real one.

DEMO_CLEARINGS = 200  # at most this many accounts, whatever the demo's size
# Demo trace numbers use sequences from here up, far above a night's real extract.
DEMO_TRACE_FROM = 9_000_000


def demo_clearing_create(
    enrollment: Enrollment,
    amount: Decimal,
    *,
    extract_on,
    gl_distribution_on,
    status: str = "pending",
    **fields,
) -> Clearing:
    """A clearing record left in `status` without a payment (pending / created)."""
    return Clearing.objects.create(
        enrollment=enrollment,
        account_id=enrollment.account_id,
        kind=enrollment.kind,
        status=status,
        amount=amount,
        extract_on=extract_on,
        gl_distribution_on=gl_distribution_on,
        payment_on=extract_on,
        **fields,
    )


def demo_clearings_post(clearings: list) -> None:
    """Distribute and freeze the payments of these clearing records through the autopay
    posting service (seed 001 step 3.0), then leave each in the state it was made in
    (frozen, activated or extracted): the demo's shortcut past the nightly jobs."""
    from .services.posting import clearings_post

    if not clearings:
        return
    wanted = {c.pk: c.status for c in clearings}
    Clearing.objects.filter(pk__in=wanted).update(status=Clearing.Status.CREATED)
    result = clearings_post(clearings=clearings)
    if result.refused or result.failed:
        raise RuntimeError(f"demo autopay payments refused: {result.refused or result.failed}")
    for status in set(wanted.values()) - {Clearing.Status.FROZEN}:
        ids = [pk for pk, s in wanted.items() if s == status]
        Clearing.objects.filter(pk__in=ids).update(status=status)


def demo_trace_number(sequence: int) -> str:
    """ODFI routing (8 digits) + 7-digit sequence, as the extract numbers its entries."""
    from .models import AchOriginator

    odfi = AchOriginator.objects.filter(is_default=True).values_list("odfi_routing", flat=True)
    return f"{(odfi.first() or '07100050')[:8]}{sequence:07d}"


def demo_clearing_return(clearing, *, code: str = "R01", returned_on) -> None:
    """The bank sent the entry back with `code`: its tender is cancelled with the return
    code's reason (R01: NSF, with its fee, credit rating and cash-only effects), and the
    record is marked returned. The demo's shortcut for the returns job's work."""
    from payments.services.cancel import tender_cancel

    from .models import ReturnCodeRule

    rule = ReturnCodeRule.objects.select_related("cancel_reason").get(code=code)
    tender_cancel(
        tender=clearing.tender,
        reason=rule.cancel_reason,
        comment=f"ACH return {code} of trace {clearing.trace_number}",
    )
    # The collection review it raised is dated the day the return came, not the seeding
    # moment: the same seed makes the same data.
    from accounts.models import ToDoEntry

    ToDoEntry.objects.filter(source=f"payments.Tender:{clearing.tender_id}").update(
        created_at=timezone.make_aware(datetime.combine(returned_on, time(6)))
    )
    clearing.mark_returned()
    clearing.return_code = code
    clearing.returned_on = returned_on
    clearing.save(update_fields=["status", "return_code", "returned_on"])


# (status, extract, settlement), in banking days from the demo day
DEMO_STATES = [
    ("pending", 12, 14),  # notice-in-advance ones get their notice from the job
    ("created", 1, 3),
    ("frozen", 1, 3),
    ("activated", 0, 2),
    ("extracted", -6, -4),
    ("extracted", -36, -34),
]
RETURNED = ("returned", -20, -18)  # the first draft of the sample, then one in 25


@register_step(46, "autopay clearing records")
def demo_autopay_clearings(ctx: DemoContext) -> None:
    if Clearing.objects.exists():
        ctx.log("autopay clearing records exist already: skipped")
        return
    rng = random.Random(ctx.seed * 7919 + 46)
    enrollments = list(
        Enrollment.objects.filter(stopped_on__isnull=True, start_on__lte=ctx.as_of)
        .select_related("account")
        .order_by("pk")
    )
    sample = sorted(
        rng.sample(enrollments, min(DEMO_CLEARINGS, len(enrollments))), key=lambda e: e.pk
    )
    with transaction.atomic():
        made = _demo_clearings(ctx, rng, sample)
        expiring = _demo_expiring_cards(ctx, sample)
    counts = {}
    for clearing in made:
        counts[clearing.status] = counts.get(clearing.status, 0) + 1
    ctx.log("  " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    ctx.log(f"  {expiring} card(s) expiring this month")
    returned = [c for c in made if c.status == "returned"]
    if returned:
        ctx.log(f"  e.g. returned R01: account {returned[0].enrollment.account.number}")


def _demo_amount(rng: random.Random, enrollment: Enrollment) -> Decimal:
    balance = enrollment.account.balance
    amount = balance if balance > 0 else Decimal(rng.randint(30, 150))
    if enrollment.amount_option == "fixed":
        amount = enrollment.amount
    elif enrollment.amount_option == "maximum":
        amount = min(amount, enrollment.amount)
    return amount.quantize(Decimal("0.01"))


def _demo_clearings(ctx: DemoContext, rng: random.Random, sample: list[Enrollment]) -> list:
    from .services.dates import add_banking_days, banking_day_on_or_after

    today = banking_day_on_or_after(ctx.as_of)

    def banking(n: int):
        """`n` banking days from the demo day (extract and settlement are banking days)."""
        return add_banking_days(today, n)

    days = lambda n: ctx.as_of + timedelta(days=n)  # noqa: E731
    made, to_post = [], []
    drafts = [e.pk for e in sample if e.kind == Enrollment.Kind.DRAFT]
    returning = set(drafts[::25])  # cards are declined at charge time, not returned
    emails = _demo_emails(sample)
    for n, enrollment in enumerate(sample):
        state = RETURNED if enrollment.pk in returning else DEMO_STATES[n % len(DEMO_STATES)]
        status, extract, debit = state
        stored = {"pending": "pending", "created": "created"}.get(status)
        fields = {}
        if status in ("extracted", "returned"):
            fields["trace_number"] = demo_trace_number(DEMO_TRACE_FROM + n)
        clearing = demo_clearing_create(
            enrollment,
            _demo_amount(rng, enrollment),
            extract_on=banking(extract),
            gl_distribution_on=banking(debit),
            status=stored or ("extracted" if status == "returned" else status),
            notice_due=enrollment.notify_in_advance and enrollment.amount_option != "fixed",
            **fields,
        )
        if clearing.notice_due and status != "pending":
            _demo_notice_sent(clearing, emails.get(enrollment.account.customer_id, ""))
        if stored is None:
            to_post.append(clearing)
        made.append((clearing, status))
    demo_clearings_post(to_post)
    for clearing, status in made:
        if status == "returned":
            clearing.refresh_from_db()
            demo_clearing_return(clearing, code="R01", returned_on=days(-15))
    return [c for c, _ in made]


def _demo_notice_sent(clearing: Clearing, to: str) -> None:
    """Its notice went out ten days before the debit, as the notices job sends it: by
    email, or a To Do to mail it."""
    from accounts.models import ToDoEntry

    from .services.notices import notice_todo

    sent = clearing.gl_distribution_on - timedelta(days=10)
    clearing.notice_sent_at = timezone.make_aware(datetime.combine(sent, time(1)))
    clearing.notice_via = "email" if to else "mail"
    clearing.notice_sent_to = to
    clearing.save(update_fields=["notice_sent_at", "notice_via", "notice_sent_to"])
    if not to:
        notice_todo(
            clearing,
            f"Mail the autopay advance notice: {money_format(clearing.amount)} on "
            f"{clearing.gl_distribution_on:%m/%d/%Y}",
            "No email address on file.",
        )
        # Dated when the job would have raised it, so the same seed makes the same data.
        ToDoEntry.objects.filter(source=f"autopay.Clearing:{clearing.pk}").update(
            created_at=clearing.notice_sent_at
        )


def _demo_emails(sample: list[Enrollment]) -> dict[int, str]:
    from accounts.models import CustomerEmail

    return dict(
        CustomerEmail.objects.filter(
            customer_id__in={e.account.customer_id for e in sample}, is_primary=True
        ).values_list("customer_id", "address")
    )


def _demo_expiring_cards(ctx: DemoContext, sample: list[Enrollment]) -> int:
    """A few demo cards expire at the end of the as-of month, so the Message Center's
    "Card expires" line and the card expiry job have something to show."""
    end = (ctx.as_of.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    cards = [e for e in sample if e.kind == Enrollment.Kind.CARD][:3]
    for card in cards:
        card.card_token = f"sbx_approve_{card.card_brand.lower()}_{card.card_last4}_{end:%m%y}"
        card.card_expires_on = end
    Enrollment.objects.bulk_update(cards, ["card_token", "card_expires_on"])
    return len(cards)
