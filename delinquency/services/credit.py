"""The account's credit attributes (seed 000, "No Penalty Option for Delinquents"): the No
Penalty flag and its expire date, set by a Supervisor from the Account Control Panel's
Credit tab. Every change is written to the account's change history.

Rules: only users with `delinquency.change_no_penalty` (Supervisor, Administrator) change
them; an expire date goes only with the flag and is today or later; clearing the flag
clears the date. The penalty job reads the same row: No Penalty holds through its expire
date, and the next run after it charges.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.lock_objects import accounts_lock
from accounts.models import Account
from accounts.services.changes import Scope, changes_record, snapshot

from ..models import CreditAttributes

PERMISSION = "delinquency.change_no_penalty"
FIELDS = ("no_penalty", "no_penalty_expires_on")


def credit_attributes_get(*, account: Account) -> CreditAttributes:
    """The account's row, or an unsaved one with the defaults (nothing set)."""
    found = CreditAttributes.objects.filter(account=account).first()
    return found or CreditAttributes(account=account)


def _validate(*, no_penalty: bool, expires_on: dt.date | None, today: dt.date) -> None:
    if expires_on is None:
        return
    if not no_penalty:
        raise ValidationError(
            {
                "no_penalty_expires_on": (
                    "An expire date goes with No Penalty: check it or clear the date."
                )
            }
        )
    if expires_on < today:
        raise ValidationError(
            {
                "no_penalty_expires_on": (
                    f"The expire date must be today ({today:%m/%d/%Y}) or later."
                )
            }
        )


def _write(
    *, account: Account, no_penalty: bool, expires_on: dt.date | None, user, today: dt.date
) -> CreditAttributes:
    _validate(no_penalty=no_penalty, expires_on=expires_on, today=today)
    accounts_lock([account.pk])  # one writer per account; the row may not exist yet
    attrs = CreditAttributes.objects.filter(account=account).first()
    before = snapshot(attrs or CreditAttributes(account=account), FIELDS)
    if attrs is None:
        attrs = CreditAttributes(account=account)
    attrs.no_penalty = no_penalty
    attrs.no_penalty_expires_on = expires_on if no_penalty else None
    if attrs.pk is not None and snapshot(attrs, FIELDS) == before:
        return attrs  # nothing changed: no history row, no new "updated by"
    attrs.updated_by = user if getattr(user, "pk", None) else None
    attrs.updated_at = timezone.now()
    attrs.save()
    changes_record(
        instance=attrs,
        before=before,
        user=user,
        scope=Scope(customer=account.customer, account=account),
    )
    return attrs


@transaction.atomic
def credit_attributes_update(
    *,
    account: Account,
    no_penalty: bool,
    no_penalty_expires_on: dt.date | None = None,
    user,
    today: dt.date | None = None,
) -> CreditAttributes:
    """Set or clear No Penalty (and its expire date) as `user`. PermissionDenied without
    `delinquency.change_no_penalty`; ValidationError (keyed by field) for a past expire date
    or a date without the flag."""
    if user is None or not user.has_perm(PERMISSION):
        raise PermissionDenied("Only a Supervisor may change the credit attributes.")
    return _write(
        account=account,
        no_penalty=no_penalty,
        expires_on=no_penalty_expires_on,
        user=user,
        today=today or timezone.localdate(),
    )


@transaction.atomic
def no_penalty_demo_set(
    *, account: Account, expires_on: dt.date | None, today: dt.date | None = None
) -> CreditAttributes:
    """For the demo (no user: the history says "system"): set No Penalty on `account`
    until `expires_on` (None: until cleared). Idempotent."""
    return _write(
        account=account,
        no_penalty=True,
        expires_on=expires_on,
        user=None,
        today=today or timezone.localdate(),
    )
