"""The demo web user for `manage.py demo_users` (after `seed_demo`): `web` signs in to /my/
as a demo customer who owes a past-due amount, so a trial can pay it by card."""

from django.contrib.auth import get_user_model

from accounts.models import Account, CustomerEmail
from accounts.selectors import account_aging

from .models import WebLogin

DEMO_WEB_USER = ("web", "web-demo-pass")
DEMO_WEB_EMAIL = "web-demo@opencis.example"


def demo_web_user() -> Account | None:
    """Link `web` to the first seeded account with something past due (its customer given
    an e-mail if it has none); None when there are no such accounts yet."""
    username, password = DEMO_WEB_USER
    existing = WebLogin.objects.filter(user__username=username).select_related("customer").first()
    if existing:
        return Account.objects.filter(customer=existing.customer).order_by("number").first()
    candidates = (
        Account.objects.filter(balance__gt=0, customer__is_public=True, customer__web_logins=None)
        .select_related("customer")
        .order_by("number")[:500]
    )
    account = next((a for a in candidates if account_aging(account=a).past_due > 0), None)
    if account is None:
        return None
    email = CustomerEmail.objects.filter(customer=account.customer).first()
    if email is None:
        email = CustomerEmail.objects.create(
            customer=account.customer, address=DEMO_WEB_EMAIL, is_primary=True
        )
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email.address})
    if created:
        user.set_password(password)
        user.save()
    WebLogin.objects.create(user=user, customer=account.customer)
    account.customer.is_web_user = True
    account.customer.save(update_fields=["is_web_user"])
    return account
