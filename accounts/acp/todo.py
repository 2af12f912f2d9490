"""Accounts' own To Do sources: an entry whose source is "accounts.Account:<pk>" opens that
account in the panel. Other apps register theirs in their panel.py (payments: tenders,
payments, events), so accounts never imports them."""

from django.urls import reverse

from ..panel import RecordLink, register_todo_source, todo_source_link
from .selectors.access import accounts_visible


def account_link(user, key: str) -> RecordLink | None:
    if not key.isdigit():
        return None
    account = accounts_visible(user=user).select_related("customer").filter(pk=key).first()
    if account is None:
        return None
    return RecordLink(
        f"Account {account.number} · {account.customer.display_name}",
        reverse("acp:panel", args=[account.number]),
    )


register_todo_source("accounts.Account", account_link)


def todo_links(user, entry) -> list[RecordLink]:
    """What the entry opens: its source record, and its account when that is not the same
    place."""
    links = []
    source = todo_source_link(user, entry.source) if entry.source else None
    if source is not None:
        links.append(source)
    if entry.account_id:
        account = account_link(user, str(entry.account_id))
        if account is not None and all(link.url != account.url for link in links):
            links.append(account)
    return links


def refund_link(user, key: str) -> RecordLink | None:
    """A REFUNDAPPR entry opens the account's History tab, where the refund is approved."""
    from ..models import Refund

    if not key.isdigit():
        return None
    refund = Refund.objects.filter(pk=key).values_list("account_id", "amount").first()
    if refund is None:
        return None
    account = accounts_visible(user=user).filter(pk=refund[0]).first()
    if account is None:
        return None
    url = reverse("acp:panel", args=[account.number]) + "?tab=history"
    return RecordLink(f"Refund of {refund[1]} · account {account.number}", url)


register_todo_source("accounts.Refund", refund_link)
