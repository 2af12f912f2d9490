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
