"""Revealing masked personal data (seed 004, Personal Info: "Show" asks for the login
again; every view is tracked). DESIGN §8."""

import logging
from typing import Literal

from django.db import transaction

from cis.models import PiiRevealAudit

from ..models import Customer

logger = logging.getLogger(__name__)

RevealableField = Literal["ssn", "drivers_license"]
REVEALABLE: tuple[str, ...] = ("ssn", "drivers_license")


class RevealRefused(Exception):
    """The value stays masked; `reason` is safe to show the user."""

    def __init__(self, reason: str, *, permission: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permission = permission


@transaction.atomic
def pii_reveal(
    *,
    user,
    customer: Customer,
    field: RevealableField,
    password: str,
    ip_address: str | None = None,
) -> str:
    """The clear value of `field`, after the user re-enters their password; writes the
    audit row in the same transaction, so no value is shown without its row."""
    if field not in REVEALABLE:
        raise RevealRefused("That value can't be revealed.")
    if not user.has_perm("accounts.reveal_pii"):
        raise RevealRefused("You don't have permission to reveal personal data.", permission=True)
    if not password or not user.check_password(password):
        # Logged, not audited: the audit lists what was seen, and nothing was.
        logger.warning("PII reveal refused: wrong password for user %s", user.pk)
        raise RevealRefused("That password is not correct.")
    value = getattr(customer, field)
    if not value:
        raise RevealRefused("Nothing is on file.")
    PiiRevealAudit.objects.create(
        user=user, customer=customer, field=field, ip_address=ip_address or None
    )
    return value
