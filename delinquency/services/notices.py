"""Late notices (issue 12 item 2; README "Delinquency: notices and penalties").

Rules:
- An account gets a notice on a business date when it is past due by at least the policy's
  `minimum_past_due` and its oldest open charge is `notice_days_after_due` days late or more
  (policy: `delinquency.selectors.PolicyBook`, by customer type and revenue class).
- One notice per oldest open bill (a database constraint): the customer who does not pay
  hears once about that bill, not every night. Debt that is not a bill's (an adjustment)
  gets one notice while it stays the oldest open charge.
- Pay by: the notice date plus the policy's `shutoff_notice_business_days` business days
  (weekends skipped; there is no holiday table in cis).
- Delivery: email when the customer takes email notices and has a primary email, the print
  run otherwise. Contacts flagged for duplicate notices get a copy by their own channel
  (email to their primary email, mail to their primary address). Every copy is a line of
  `recipients`.
- Each notice is written on the account's change history (a ChangeRecord "created").
- Set-based: a chunk of accounts costs a fixed number of queries whatever its size. The
  PDF is rendered on demand (the panel link, the print run, the email job), never here.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone

from accounts.models import (
    Account,
    ChangeRecord,
    Contact,
    ContactAddress,
    ContactEmail,
    CustomerAddress,
    CustomerEmail,
)
from cis.bulk import bulk_insert, bulk_insert_rows, id_in
from cis.money import money_format

from ..business_days import business_days_add
from ..models import LateNotice
from ..selectors import PolicyBook, past_due_accounts


def notice_candidates(*, business_date: dt.date) -> QuerySet[Account]:
    """The accounts the notice job looks at: owing something, no notice today yet. Who
    among them gets one is decided per chunk (`late_notices_create`)."""
    return Account.objects.filter(balance__gt=0, is_suspense=False).exclude(
        Exists(LateNotice.objects.filter(account_id=OuterRef("pk"), notice_date=business_date))
    )


@dataclass
class NoticeOutcome:
    notices: list[LateNotice] = field(default_factory=list)
    not_due: int = 0  # past due, but not yet late enough or below the minimum
    already: int = 0  # the oldest open bill has its notice already


def _address_text(prefix: str) -> Concat:
    return Concat(
        f"{prefix}line1",
        Value(", "),
        f"{prefix}city",
        Value(", "),
        f"{prefix}state",
        Value(" "),
        f"{prefix}postal_code",
        output_field=CharField(),
    )


def _primary(model, owner: str, value) -> Subquery:
    return Subquery(
        model.objects.filter(**{owner: OuterRef("pk")}, is_primary=True).values(value)[:1]
    )


# What a notice needs of the account, its customer and location (the customer's encrypted
# fields are neither read nor decrypted).
_ACCOUNT_FIELDS = (
    "pk",
    "customer_id",
    "location_id",
    "customer__customer_type",
    "customer__email_notices",
    "customer__business_name",
    "customer__first_name",
    "customer__middle_name",
    "customer__last_name",
    "location__revenue_class_id",
)


def late_notices_create(
    *, account_ids: list[int], business_date: dt.date, batch_run=None
) -> NoticeOutcome:
    """Create the notices due on `business_date` among `account_ids` (the caller holds
    their row locks: the batch job). A fixed number of queries for the whole list."""
    outcome = NoticeOutcome()
    rows = past_due_accounts(as_of=business_date, account_ids=account_ids)
    if not rows:
        return outcome
    book = PolicyBook(on=business_date)
    accounts = {
        a.pk: a
        for a in Account.objects.filter(pk__in=id_in(r.account_id for r in rows))
        .select_related("customer", "location")
        .only(*_ACCOUNT_FIELDS)
        .annotate(
            email=Subquery(
                CustomerEmail.objects.filter(
                    customer_id=OuterRef("customer_id"), is_primary=True
                ).values("address")[:1]
            ),
            address=Subquery(
                CustomerAddress.objects.filter(customer_id=OuterRef("customer_id"), is_primary=True)
                .annotate(text=_address_text(""))
                .values("text")[:1]
            ),
        )
    }
    due = []
    for row in rows:
        account = accounts[row.account_id]
        policy = book.get(account.customer.customer_type, account.location.revenue_class_id)
        if (
            policy is None
            or row.past_due < policy.minimum_past_due
            or row.days_past_due(business_date) < policy.notice_days_after_due
        ):
            outcome.not_due += 1
            continue
        due.append((row, account, policy))
    if not due:
        return outcome
    sent = set()  # (account, bill) pairs with a notice
    last: dict[int, dt.date] = {}  # each account's latest notice
    for account_id, bill_id, day in LateNotice.objects.filter(
        account_id__in=id_in(row.account_id for row, _, _ in due)
    ).values_list("account_id", "bill_id", "notice_date"):
        sent.add((account_id, bill_id))
        last[account_id] = max(day, last.get(account_id, day))
    contacts = _duplicate_contacts([a for _, a, _ in due])
    now = timezone.now()
    for row, account, policy in due:
        if row.oldest_bill_id is not None:
            done = (row.account_id, row.oldest_bill_id) in sent
        else:
            done = last.get(row.account_id, dt.date.min) >= row.oldest_due
        if done:
            outcome.already += 1
            continue
        customer = account.customer
        by_email = customer.email_notices and bool(account.email)
        recipients = [
            {
                "name": customer.display_name,
                "role": "customer",
                "delivery": "email" if by_email else "print",
                "to": account.email if by_email else (account.address or ""),
            }
        ]
        recipients += contacts.get(account.pk, [])
        emails = any(r["delivery"] == "email" for r in recipients)
        outcome.notices.append(
            LateNotice(
                account_id=account.pk,
                bill_id=row.oldest_bill_id,
                notice_date=business_date,
                past_due=row.past_due,
                pay_by=business_days_add(business_date, policy.shutoff_notice_business_days),
                delivery=LateNotice.Delivery.EMAIL if by_email else LateNotice.Delivery.PRINT,
                recipients=recipients,
                batch_run=batch_run,
                created_at=now,
                email_status=(
                    LateNotice.EmailStatus.PENDING if emails else LateNotice.EmailStatus.NONE
                ),
            )
        )
    bulk_insert(LateNotice, outcome.notices)
    _history_write(outcome.notices, accounts, now)
    return outcome


def _duplicate_contacts(accounts: list[Account]) -> dict[int, list[dict]]:
    """Contacts of the accounts' customers and locations who receive duplicate notices:
    {account id: [recipient, ...]}, in one query."""
    customers = {a.customer_id for a in accounts}
    locations = {a.location_id for a in accounts}
    contacts = (
        Contact.objects.filter(
            Q(customer_id__in=id_in(customers)) | Q(location_id__in=id_in(locations)),
            notices__in=[Contact.Notices.MAIL, Contact.Notices.EMAIL],
        )
        .annotate(
            email=_primary(ContactEmail, "contact_id", "address"),
            address=Subquery(
                ContactAddress.objects.filter(contact_id=OuterRef("pk"), is_primary=True)
                .annotate(text=_address_text(""))
                .values("text")[:1]
            ),
        )
        .order_by("pk")
    )
    by_customer: dict[int, list[dict]] = {}
    by_location: dict[int, list[dict]] = {}
    for contact in contacts:
        by_email = contact.notices == Contact.Notices.EMAIL
        to = contact.email if by_email else contact.address
        if not to:
            continue  # the channel it asked for has nothing on file
        recipient = {
            "name": contact.name,
            "role": "contact",
            "delivery": "email" if by_email else "print",
            "to": to,
        }
        if contact.customer_id:
            by_customer.setdefault(contact.customer_id, []).append(recipient)
        else:
            by_location.setdefault(contact.location_id, []).append(recipient)
    return {
        a.pk: by_customer.get(a.customer_id, []) + by_location.get(a.location_id, [])
        for a in accounts
    }


def notice_summary(notice: LateNotice) -> str:
    copies = ", ".join(f"{r['name']} ({r['delivery']})" for r in notice.recipients)
    return (
        f"Late notice {notice.notice_date:%m/%d/%Y}: {money_format(notice.past_due)} past due, "
        f"pay by {notice.pay_by:%m/%d/%Y}; to {copies}"
    )[:200]


def _history_write(notices: list[LateNotice], accounts: dict[int, Account], now) -> None:
    """The account's change history: one "created" row per notice, as the services write
    for any record they create (accounts.services.changes)."""
    content_type = ContentType.objects.get_for_model(LateNotice).pk
    bulk_insert_rows(
        ChangeRecord,
        _HISTORY_FIELDS,
        [
            (
                content_type,
                n.pk,
                notice_summary(n),
                ChangeRecord.Action.CREATED.value,
                "",
                "",
                "",
                None,
                now,
                accounts[n.account_id].customer_id,
                None,
                n.account_id,
            )
            for n in notices
        ],
    )


_HISTORY_FIELDS = (
    "content_type_id",
    "object_id",
    "object_repr",
    "action",
    "field",
    "old_value",
    "new_value",
    "user_id",
    "changed_at",
    "customer_id",
    "location_id",
    "account_id",
)
