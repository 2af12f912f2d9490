"""Demo autopays (`seed_demo`): about one account in seven pays by itself, most by bank
draft, some by card on the sandbox processor, with every amount option."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from accounts.models import Account
from cis.demo import DemoContext, register_step

from .models import Bank, Enrollment

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
