"""The Customer tab's writes (seed 004): the Customer ID section and its flags, personal
information, notices, addresses / phones / emails, user-defined codes and custom fields;
and the account flags the dashboard shows."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from stdnum.us import ssn as us_ssn

from ..models import (
    Account,
    Customer,
    CustomerAddress,
    CustomerCode,
    CustomerEmail,
    CustomerPhone,
    Scope,
    UDCCaption,
    UDCValue,
)
from ..selectors import sees_private
from .changes import Scope as ChangeScope
from .changes import changes_record, snapshot
from .contact_points import contact_point_delete, contact_point_save
from .custom_fields import custom_fields_clean, custom_fields_defined

ID_FIELDS = (
    "customer_type",
    "title",
    "first_name",
    "middle_name",
    "last_name",
    "spouse_name",
    "business_name",
    "alternate_id",
    "account_status",
    "is_active",
    "is_public",
    "is_bankrupt",
    "do_not_accept_payments",
    "disallowed_pay_methods",
)
ADDRESS_FIELDS = (
    "kind",
    "care_of",
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "county",
    "country",
)
PHONE_FIELDS = ("kind", "number", "extension")
EMAIL_FIELDS = ("address",)
ACCOUNT_FLAG_FIELDS = ("is_budget_billing", "is_bad_debt", "in_collections")


def _scope(customer: Customer) -> ChangeScope:
    return ChangeScope(customer=customer)


@transaction.atomic
def customer_update(*, customer: Customer, user, data: Mapping[str, Any]) -> Customer:
    """Save the Customer ID section. A new account status stamps the date it was assigned
    (seed 004: generated on save, never typed). Only roles that may see private accounts
    may flip "Public": anyone else could hide an account from everybody, themselves
    included."""
    before = snapshot(customer, [*ID_FIELDS, "account_status_assigned_on"])
    old_status_id = customer.account_status_id
    for name in ID_FIELDS:
        if name in data:
            setattr(customer, name, data[name])
    if before["is_public"] != snapshot(customer, ["is_public"])["is_public"] and not (
        sees_private(user=user)
    ):
        raise ValidationError({"is_public": "Only an administrator may change Public."})
    if customer.customer_type == Customer.Type.INDIVIDUAL and not customer.last_name.strip():
        raise ValidationError({"last_name": "An individual needs a last name."})
    if customer.customer_type != Customer.Type.INDIVIDUAL and not customer.business_name.strip():
        raise ValidationError({"business_name": "A business needs a business name."})
    if customer.account_status_id != old_status_id:
        customer.account_status_assigned_on = (
            timezone.localdate() if customer.account_status_id else None
        )
    customer.full_clean(exclude=["ssn", "drivers_license", "number"])
    customer.save(update_fields=[*ID_FIELDS, "account_status_assigned_on"])
    changes_record(instance=customer, before=before, user=user, scope=_scope(customer))
    return customer


def _ssn_clean(raw: str) -> str:
    try:
        return us_ssn.validate(raw)
    except Exception:
        raise ValidationError({"ssn": "Enter a valid 9-digit Social Security number."}) from None


@transaction.atomic
def customer_personal_update(*, customer: Customer, user, data: Mapping[str, Any]) -> Customer:
    """Personal Info: SSN and driver's license are replaced only when a new value is typed
    (the form never holds the old one); the history keeps them masked."""
    fields = ["drivers_license_state", "date_of_birth"]
    before = snapshot(customer, ["ssn", "drivers_license", *fields])
    if data.get("ssn"):
        customer.ssn = _ssn_clean(data["ssn"])
    if data.get("drivers_license"):
        customer.drivers_license = data["drivers_license"].strip().upper()
    for name in fields:
        if name in data:
            setattr(customer, name, data[name])
    if customer.date_of_birth and customer.date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": "A date of birth can't be in the future."})
    customer.save(update_fields=["ssn", "drivers_license", *fields])
    changes_record(instance=customer, before=before, user=user, scope=_scope(customer))
    return customer


@transaction.atomic
def customer_notices_update(
    *, customer: Customer, user, mail_notices: bool, email_notices: bool
) -> Customer:
    """seed 004: email notices are only available with an email address on file."""
    if email_notices and not customer.emails.exists():
        raise ValidationError({"email_notices": "Add an email address before email notices."})
    before = snapshot(customer, ["mail_notices", "email_notices"])
    customer.mail_notices, customer.email_notices = mail_notices, email_notices
    customer.save(update_fields=["mail_notices", "email_notices"])
    changes_record(instance=customer, before=before, user=user, scope=_scope(customer))
    return customer


def customer_address_save(
    *,
    customer: Customer,
    user,
    data: Mapping[str, Any],
    make_primary: bool,
    address: CustomerAddress | None = None,
) -> CustomerAddress:
    item = address or CustomerAddress(customer=customer)
    if item.customer_id != customer.pk:
        raise ValidationError("That address belongs to another customer.")
    return contact_point_save(
        item=item,
        data=data,
        make_primary=make_primary,
        user=user,
        scope=_scope(customer),
        editable=ADDRESS_FIELDS,
    )


def customer_phone_save(
    *,
    customer: Customer,
    user,
    data: Mapping[str, Any],
    make_primary: bool,
    phone: CustomerPhone | None = None,
) -> CustomerPhone:
    item = phone or CustomerPhone(customer=customer)
    if item.customer_id != customer.pk:
        raise ValidationError("That phone belongs to another customer.")
    return contact_point_save(
        item=item,
        data=data,
        make_primary=make_primary,
        user=user,
        scope=_scope(customer),
        editable=PHONE_FIELDS,
    )


def customer_email_save(
    *,
    customer: Customer,
    user,
    data: Mapping[str, Any],
    make_primary: bool,
    email: CustomerEmail | None = None,
) -> CustomerEmail:
    item = email or CustomerEmail(customer=customer)
    if item.customer_id != customer.pk:
        raise ValidationError("That email belongs to another customer.")
    return contact_point_save(
        item=item,
        data=data,
        make_primary=make_primary,
        user=user,
        scope=_scope(customer),
        editable=EMAIL_FIELDS,
    )


@transaction.atomic
def customer_contact_point_delete(
    *, customer: Customer, user, item: CustomerAddress | CustomerPhone | CustomerEmail
) -> None:
    if item.customer_id != customer.pk:
        raise ValidationError("That entry belongs to another customer.")
    if (
        isinstance(item, CustomerEmail)
        and customer.email_notices
        and not customer.emails.exclude(pk=item.pk).exists()
    ):
        raise ValidationError("Turn email notices off before deleting the last email address.")
    contact_point_delete(item=item, user=user, scope=_scope(customer))


@transaction.atomic
def customer_code_set(
    *, customer: Customer, user, caption: UDCCaption, value: UDCValue
) -> CustomerCode:
    """Add or change a customer code; seed 004: once added, only the value changes."""
    if caption.applies_to != Scope.CUSTOMER:
        raise ValidationError({"caption": "That caption is for locations."})
    if value.caption_id != caption.pk:
        raise ValidationError({"value": "Choose a value of the selected caption."})
    code = CustomerCode.objects.filter(customer=customer, caption=caption).first()
    if code is None:
        code = CustomerCode.objects.create(customer=customer, caption=caption, value=value)
        changes_record(
            instance=code, before={}, user=user, scope=_scope(customer), action="created"
        )
        return code
    before = snapshot(code, ["value"])
    code.value = value
    code.save(update_fields=["value"])
    changes_record(instance=code, before=before, user=user, scope=_scope(customer))
    return code


@transaction.atomic
def customer_code_delete(*, customer: Customer, user, code: CustomerCode) -> None:
    if code.customer_id != customer.pk:
        raise ValidationError("That code belongs to another customer.")
    changes_record(instance=code, before={}, user=user, scope=_scope(customer), action="deleted")
    code.delete()


@transaction.atomic
def customer_custom_fields_update(*, customer: Customer, user, raw: Mapping[str, str]) -> Customer:
    before = snapshot(customer, ["custom_fields"])
    customer.custom_fields = custom_fields_clean(
        definitions=custom_fields_defined(applies_to=Scope.CUSTOMER),
        current=customer.custom_fields,
        raw=raw,
    )
    customer.save(update_fields=["custom_fields"])
    changes_record(instance=customer, before=before, user=user, scope=_scope(customer))
    return customer


@transaction.atomic
def account_flags_update(*, account: Account, user, data: Mapping[str, bool]) -> Account:
    """Budget billing, bad debt, collections: normally set by their own processes; a
    supervisor may correct them here, and the history says who did."""
    before = snapshot(account, ACCOUNT_FLAG_FIELDS)
    for name in ACCOUNT_FLAG_FIELDS:
        if name in data:
            setattr(account, name, bool(data[name]))
    account.save(update_fields=list(ACCOUNT_FLAG_FIELDS))
    changes_record(
        instance=account,
        before=before,
        user=user,
        scope=ChangeScope(customer=account.customer, account=account),
    )
    return account
