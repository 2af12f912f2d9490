"""May this account pay, and with this tender? (seed 003 step 1.1: do-not-accept flag,
disallowed pay methods, cash-only score). Both payment paths ask the same function.

One rule, one date (issue 7 item 6): a tender is judged as of its **payment date**, the day
the money was received (the event's payment date; a bulk item without one was received on
its accounting date), on the online and the bulk path alike. The do-not-accept flag and
disallowed pay methods are the customer's as they stand; the cash-only score counts the
credit events in effect on the payment date. Not the accounting date: that is when the
books take the payment, which an upload or a postponed payment (seed 003 step 6.8) may set
days after the customer paid, and an NSF recorded in between must not refuse money the
customer handed over while still in good standing.
"""

from collections.abc import Iterable
from datetime import date

from django.conf import settings

from ..exceptions import PaymentRefused
from ..models import TenderCategory
from ..selectors import AcceptanceInfo, acceptance_infos

# Past this cash-only score (CreditRatingEvent points, e.g. after NSF returns) only these
# tender categories are taken.
CASH_ONLY_CATEGORIES = frozenset({TenderCategory.CASH, TenderCategory.MONEY_ORDER})


def cash_only_threshold() -> int:
    return getattr(settings, "OPENCIS_CASH_ONLY_THRESHOLD", 100)


def acceptance_problems(
    *, infos: Iterable[AcceptanceInfo], payees: Iterable[AcceptanceInfo], categories: set[str]
) -> list[str]:
    """Why the payment must be refused; empty when it may be taken.

    `infos` are every account involved (payor and payees): none may have disallowed a
    tender's category or be cash only for it. `payees` must accept payments at all.
    """
    problems = []
    for info in payees:
        if info.do_not_accept:
            problems.append(
                f"Account {info.number} does not accept payments "
                "(the customer is flagged do-not-accept-payments)."
            )
    threshold = cash_only_threshold()
    for info in infos:
        for category in sorted(categories):
            label = TenderCategory(category).label.lower()
            if category in info.disallowed:
                problems.append(
                    f"Account {info.number} does not accept {label} payments "
                    "(disallowed pay method)."
                )
            elif info.cash_only_points >= threshold and category not in CASH_ONLY_CATEGORIES:
                problems.append(
                    f"Account {info.number} is cash only (cash-only score "
                    f"{info.cash_only_points}): {label} is not accepted."
                )
    return list(dict.fromkeys(problems))


def payment_acceptance_check(
    *, payee_ids: Iterable[int], payor_ids: Iterable[int], categories: set[str], as_of: date
) -> None:
    """Refuse (PaymentRefused) what `acceptance_problems` finds; `as_of` is the payment
    date (see the module docstring)."""
    payee_ids, payor_ids = set(payee_ids), set(payor_ids)
    infos = acceptance_infos(account_ids=payee_ids | payor_ids, as_of=as_of)
    problems = acceptance_problems(
        infos=sorted(infos.values(), key=lambda i: i.number),  # as the bulk path lists them
        payees=[infos[i] for i in sorted(payee_ids) if i in infos],
        categories=categories,
    )
    if problems:
        raise PaymentRefused(" ".join(problems))
