"""Who may see which account (seed 004: an account whose customer is not Public is seen
by administrators only; DESIGN §8)."""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from ...models import Account

PRIVATE_PERMISSION = "accounts.view_private_account"


def sees_private(*, user) -> bool:
    """The one rule (issue 7 item 12): private customers and everything of theirs are seen
    only with `view_private_account`, in the panel, the API, the serializers' choices and
    the admin alike. Everyone else gets the answer a missing record gets."""
    return bool(user is not None and user.has_perm(PRIVATE_PERMISSION))


def rows_visible(qs: QuerySet, *, user, via: str | tuple[str, ...] = "customer") -> QuerySet:
    """`qs` less the rows that lead to a private customer through any of `via` (lookups
    ending at a Customer: "account__customer", "event__payments__account__customer"; ""
    for a queryset of customers).
    `exclude` keeps rows whose path is empty (a tender with no payor), and on a many-valued
    path drops a row when any of its related customers is private."""
    if sees_private(user=user):
        return qs
    for path in (via,) if isinstance(via, str) else via:
        qs = qs.exclude(**{f"{path}__is_public" if path else "is_public": False})
    return qs


def accounts_visible(*, user) -> QuerySet[Account]:
    return rows_visible(Account.objects.all(), user=user, via="customer")


def customer_visible(*, user, customer) -> bool:
    """A public customer, or any customer for those who may see private ones (used for the
    rental's owner, who may be private while the tenant is not)."""
    return customer.is_public or sees_private(user=user)


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
