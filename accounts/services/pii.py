"""Revealing masked personal data (seed 004, Personal Info: "Show" asks for the login
again; every view is tracked). DESIGN §8."""

import logging
from typing import Literal

from django.db import transaction

from cis.lockout import LockedOut, password_recheck
from cis.models import PiiRevealAudit

from ..models import Customer

logger = logging.getLogger(__name__)

RevealableField = Literal["ssn", "drivers_license"]
REVEALABLE: tuple[str, ...] = ("ssn", "drivers_license")


LOCKED_OUT_MESSAGE = (
    "Too many wrong passwords: showing personal data and signing in are locked for a "
    "while. Ask a supervisor or an administrator if you need it now."
)


class RevealRefused(Exception):
    """The value stays masked; `reason` is safe to show the user."""

    def __init__(self, reason: str, *, permission: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permission = permission


def reveal_password_check(*, user, password: str, request=None, what: str) -> None:
    """The password re-entry every reveal asks for (SSN, licence, bank account): wrong
    passwords count towards the sign-in lockout; refused with a reason safe to show."""
    try:
        password_ok = bool(password) and password_recheck(
            request=request, user=user, password=password
        )
    except LockedOut:
        # recorded by django-axes (AccessFailureLog, locked_out) and logged
        logger.warning("%s reveal refused: user %s is locked out", what, user.pk)
        raise RevealRefused(LOCKED_OUT_MESSAGE) from None
    if not password_ok:
        # Logged, not audited: the audit lists what was seen, and nothing was.
        logger.warning("%s reveal refused: wrong password for user %s", what, user.pk)
        raise RevealRefused("That password is not correct.")


def pii_reveal(
    *,
    user,
    customer: Customer,
    field: RevealableField,
    password: str,
    ip_address: str | None = None,
    request=None,
) -> str:
    """The clear value of `field`, after the user re-enters their password; writes the
    audit row in the same transaction, so no value is shown without its row. With the
    `request`, wrong passwords count towards the sign-in lockout (cis.lockout): that
    check runs outside any transaction, or a refusal would roll its record back."""
    if field not in REVEALABLE:
        raise RevealRefused("That value can't be revealed.")
    if not user.has_perm("accounts.reveal_pii"):
        raise RevealRefused("You don't have permission to reveal personal data.", permission=True)
    reveal_password_check(user=user, password=password, request=request, what="PII")
    value = getattr(customer, field)
    if not value:
        raise RevealRefused("Nothing is on file.")
    with transaction.atomic():
        PiiRevealAudit.objects.create(
            user=user, customer=customer, field=field, ip_address=ip_address or None
        )
    return value
