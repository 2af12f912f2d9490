"""Reads for the panel and the API."""

from accounts.models import Account

from .models import Bank, Clearing, Enrollment


def enrollment_running(*, account: Account) -> Enrollment | None:
    """The account's enrollment that is not stopped (at most one)."""
    return Enrollment.objects.filter(account=account, stopped_on__isnull=True).first()


def enrollments_past(*, account: Account, limit: int = 10) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(account=account, stopped_on__isnull=False).order_by(
            "-stopped_on", "-pk"
        )[:limit]
    )


def banks() -> list[Bank]:
    return list(Bank.objects.all()[:500])


def account_clearings(*, account: Account, limit: int = 200) -> list[Clearing]:
    """The account's autopay payments (clearing records), newest extract date first."""
    return list(Clearing.objects.filter(account=account).select_related("account")[:limit])


def clearings_recent(*, account: Account, limit: int = 12) -> list[Clearing]:
    """The account's latest clearing records (its automatic payments), newest first: the
    Auto Payment sub-tab's list and the Message Center's next / returned autopay."""
    return list(
        Clearing.objects.filter(account=account)
        .select_related("enrollment")
        .order_by("-extract_on", "-pk")[:limit]
    )


def clearing_for_account(*, account: Account, pk: int) -> Clearing | None:
    return (
        Clearing.objects.filter(account=account, pk=pk)
        .select_related("account__customer", "enrollment")
        .first()
    )


def required_amount_basis(*, account: Account, on) -> tuple[str, object] | None:
    """What the required-amount option drafts now and why (seed 004 "Required Amount
    (Statement Balance)"): ("budget", amount), ("statement", amount) or None without
    either. The same two reads bill completion makes, for one account."""
    from accounts.selectors import account_budget_amount, latest_statement_balance

    budget = account_budget_amount(account=account, on=on)
    if budget is not None and budget > 0:
        return "budget", budget
    statement = latest_statement_balance(account=account)
    return ("statement", statement) if statement is not None else None
