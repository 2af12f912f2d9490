"""Who may see which account (seed 004: an account whose customer is not Public is seen
by administrators only; DESIGN §8)."""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from ...models import Account

PRIVATE_PERMISSION = "accounts.view_private_account"


def accounts_visible(*, user) -> QuerySet[Account]:
    qs = Account.objects.all()
    if not user.has_perm(PRIVATE_PERMISSION):
        qs = qs.filter(customer__is_public=True)
    return qs


def customer_visible(*, user, customer) -> bool:
    """A public customer, or any customer for those who may see private ones (used for the
    rental's owner, who may be private while the tenant is not)."""
    return customer.is_public or user.has_perm(PRIVATE_PERMISSION)


def panel_account_get(*, user, number: str) -> Account:
    """The account the panel shows, with its customer and location. A private account is
    a 404 for everyone else, the same answer as a number that doesn't exist, so the URL
    doesn't tell whether a private account is there."""
    account = (
        accounts_visible(user=user)
        .select_related(
            "customer__account_status",
            "location__revenue_class",
            "location__cycle",
            "location__owner",
        )
        .filter(number=number)
        .first()
    )
    if account is None:
        raise Http404("No such account")
    return account


def accounts_preferred_first(qs: QuerySet[Account]) -> QuerySet[Account]:
    """The account a customer or location opens on: current before waiting before final,
    then the newest."""
    return qs.annotate(
        _activity_rank=Case(
            When(activity_status=Account.ActivityStatus.CURRENT, then=Value(0)),
            When(activity_status=Account.ActivityStatus.WAITING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("_activity_rank", "-opened_on", "-pk")
