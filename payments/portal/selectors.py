"""What a web user may see: their own customer's accounts, nothing else."""

from django.http import Http404

from accounts.models import Account, Bill, CustomerEmail
from accounts.selectors import account_aging

from ..selectors import account_payments
from .models import WebLogin


def web_login_of(user) -> WebLogin | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return WebLogin.objects.filter(user=user).select_related("customer").first()


def portal_accounts(*, web_login: WebLogin) -> list[dict]:
    accounts = Account.objects.filter(customer=web_login.customer).select_related("location")
    return [{"account": a, "aging": account_aging(account=a)} for a in accounts.order_by("number")]


def portal_account_get(*, web_login: WebLogin, number: str) -> Account:
    """The account `number` if it is this web user's customer's; 404 otherwise, the same
    answer as for a number that does not exist."""
    account = (
        Account.objects.filter(customer=web_login.customer, number=number)
        .select_related("location", "customer")
        .first()
    )
    if account is None:
        raise Http404("No such account.")
    return account


def portal_account_page(*, account: Account) -> dict:
    return {
        "account": account,
        "aging": account_aging(account=account),
        "bills": Bill.objects.filter(account=account, status=Bill.Status.COMPLETE).order_by(
            "-bill_date", "-pk"
        )[:6],
        "payments": account_payments(account=account)[:10],
    }


def customer_web_email(*, customer) -> str:
    """The e-mail a web login goes to: the primary address, else the first one."""
    email = CustomerEmail.objects.filter(customer=customer).order_by("-is_primary", "pk").first()
    return email.address if email else ""
