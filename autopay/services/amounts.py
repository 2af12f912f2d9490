"""How much an autopay drafts (seed 001 steps 1.8-2.0; seed 004 special options).

- Pay account balance: what the account owes after the bill.
- Maximum amount: that, but never more than the customer's cap.
- Fixed amount: the same amount every cycle, whatever is owed (excess credits the next).
- Required amount: the account-level budget amount when there is one, else the latest
  statement balance; nothing without either.
Then the utility's maximum withdrawal (step 1.9): a larger amount is reduced to it, and the
caller raises a To Do entry (step 2.0, type AUTOPAYMAX). Nothing is drafted for 0 or less.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from cis.money import ZERO

from ..models import Enrollment


@dataclass(frozen=True)
class AutopayAmount:
    amount: Decimal  # 0.00: nothing to draft
    reduced_from: Decimal | None = None  # the amount before the maximum-withdrawal cut
    reason: str = ""  # why nothing is drafted, when amount is 0

    @property
    def drafts(self) -> bool:
        return self.amount > 0


def max_withdrawal() -> Decimal | None:
    value = getattr(settings, "OPENCIS_AUTOPAY_MAX_WITHDRAWAL", None)
    return Decimal(str(value)) if value not in (None, "") else None


def autopay_amount(
    *,
    option: str,
    amount: Decimal | None,
    balance: Decimal,
    statement_balance: Decimal | None,
    budget_amount: Decimal | None = None,
    limit: Decimal | None = None,
) -> AutopayAmount:
    Option = Enrollment.AmountOption
    if option == Option.BALANCE:
        wanted = balance
    elif option == Option.MAXIMUM:
        wanted = min(balance, amount or ZERO)
    elif option == Option.FIXED:
        wanted = amount or ZERO
    elif option == Option.REQUIRED:
        if budget_amount is not None and budget_amount > 0:
            wanted = budget_amount
        elif statement_balance is not None:
            wanted = statement_balance
        else:
            return AutopayAmount(ZERO, reason="no budget amount and no statement")
    else:
        raise ValueError(f"unknown amount option {option!r}")
    if wanted <= 0:
        return AutopayAmount(ZERO, reason="nothing owed")
    if limit is not None and wanted > limit:
        return AutopayAmount(limit, reduced_from=wanted)
    return AutopayAmount(wanted)
