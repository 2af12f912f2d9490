"""Statements (issue 13 item 1): the PDF a completed bill is mailed or emailed as.

The figures of bill B come from the frozen ledger, so they add up exactly:

- an FT is *through* B when its accounting date is on or before B's bill date and it is
  not an FT of a later bill (later: a later bill date, or the same date and a higher id),
  or when it is one of B's own FTs;
- previous balance = the sum of the FTs through the previous completed bill (0 without one);
- payments, adjustments = the FTs through B but not through the previous bill, other than
  B's own (payments: payment FTs and their cancellations; adjustments: the rest);
- current charges = B's own FTs;
- amount due = the sum of the FTs through B
  = previous balance + payments + adjustments + current charges.

`statement_amounts_due` computes the amount due of many bills in one query, with the same
*through* rule in SQL; `statement_data` takes its amount due from it, so the PDF, the
stub's scan line and autopay's required-amount fallback (the latest statement balance)
always agree.

The remittance stub's scan line is `account number` + `amount due in cents, 10 digits`
(0 for a credit) + one Luhn (mod 10) check digit over the digits before it.
"""

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from cis.bulk import id_in
from cis.money import ZERO, quantize

from .models import Account, Bill, FinancialTransaction
from .selectors import mailing_address

PAYMENT_KINDS = {
    FinancialTransaction.Kind.PAY_SEGMENT,
    FinancialTransaction.Kind.PAY_CANCEL,
}
CENTS_WIDTH = 10


def luhn_check_digit(digits: str) -> int:
    """The mod-10 (Luhn) check digit that makes `digits` + it pass the Luhn test."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # the digit next to the check digit is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def scan_line(*, account_number: str, amount_due: Decimal) -> str:
    """Account number + amount due in cents (10 digits, 0 for a credit) + check digit."""
    if not account_number.isdigit():
        raise ValueError(f"account number {account_number!r} is not all digits")
    cents = max(int((amount_due * 100).to_integral_value()), 0)
    body = f"{account_number}{cents:0{CENTS_WIDTH}d}"
    return f"{body}{luhn_check_digit(body)}"


@dataclass
class Segment:
    sa_type: str
    description: str
    amount: Decimal
    usage: list = field(default_factory=list)


@dataclass
class Statement:
    account: Account
    bill: Bill
    previous_bill: Bill | None
    customer_name: str
    mailing_address: list[str]
    service_address: list[str]
    segments: list[Segment]
    payment_lines: list[FinancialTransaction]
    adjustment_lines: list[FinancialTransaction]
    previous_balance: Decimal
    payments: Decimal
    adjustments: Decimal
    charges: Decimal
    amount_due: Decimal
    scan_line: str
    copy_for: str = ""  # a duplicate for a contact: whose copy it is
    addressee: str = ""

    @property
    def due_date(self) -> dt.date:
        return self.bill.due_date


def _later(bill_date: dt.date, bill_id: int, than: Bill) -> bool:
    return (bill_date, bill_id) > (than.bill_date, than.pk)


def _through(ft: FinancialTransaction, bill: Bill | None) -> bool:
    if bill is None:
        return False
    if ft.bill_id == bill.pk:
        return True
    if ft.accounting_date > bill.bill_date:
        return False
    return ft.bill_id is None or not _later(ft.bill.bill_date, ft.bill_id, bill)


def _mailing_address(account: Account) -> list[str]:
    source = mailing_address(account=account)
    care_of = getattr(source, "care_of", "")  # a customer address has one, a location not
    lines = [care_of and f"c/o {care_of}", source.line1]
    lines += [source.line2, f"{source.city}, {source.state} {source.postal_code}"]
    return [line for line in lines if line]


def _service_address(account: Account) -> list[str]:
    loc = account.location
    lines = [loc.line1, loc.line2, f"{loc.city}, {loc.state} {loc.postal_code}"]
    return [line for line in lines if line]


def previous_bill(bill: Bill) -> Bill | None:
    return (
        Bill.objects.filter(account_id=bill.account_id, status=Bill.Status.COMPLETE)
        .filter(Q(bill_date__lt=bill.bill_date) | Q(bill_date=bill.bill_date, pk__lt=bill.pk))
        .order_by("-bill_date", "-pk")
        .first()
    )


def _through_bill_q() -> Q:
    """FTs through the bill of the enclosing query (OuterRef): `_through` in SQL."""
    bill_date, bill_id = OuterRef("bill_date"), OuterRef("pk")
    not_later = (
        Q(bill__isnull=True)
        | Q(bill__bill_date__lt=bill_date)
        | Q(bill__bill_date=bill_date, bill_id__lte=bill_id)
    )
    return Q(bill_id=bill_id) | (Q(accounting_date__lte=bill_date) & not_later)


def statement_amounts_due(*, bill_ids) -> dict[int, Decimal]:
    """{bill id: the amount due its statement prints}, one query whatever the number."""
    ids = list(bill_ids)
    if not ids:
        return {}
    due = (
        FinancialTransaction.objects.frozen()
        .filter(_through_bill_q(), account_id=OuterRef("account_id"))
        .order_by()
        .values("account_id")
        .annotate(total=Sum("current_amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    rows = (
        Bill.objects.filter(pk__in=id_in(ids))
        .annotate(due=Coalesce(Subquery(due, output_field=money), ZERO, output_field=money))
        .values_list("pk", "due")
    )
    # quantize: SQLite sums decimals as floats (the demo database)
    return {pk: quantize(amount) for pk, amount in rows}


def latest_statement_amounts_due(*, account_ids) -> dict[int, Decimal]:
    """{account id: amount due on the statement of its latest completed bill}; accounts
    without a completed bill are left out. Two queries whatever the number."""
    latest = (
        Bill.objects.filter(account_id=OuterRef("pk"), status=Bill.Status.COMPLETE)
        .order_by("-bill_date", "-pk")
        .values("pk")[:1]
    )
    bill_of = dict(
        Account.objects.filter(pk__in=id_in(list(account_ids)))
        .annotate(latest=Subquery(latest))
        .filter(latest__isnull=False)
        .values_list("pk", "latest")
    )
    due = statement_amounts_due(bill_ids=bill_of.values())
    return {account_id: due[bill_id] for account_id, bill_id in bill_of.items()}


def statement_data(*, bill: Bill) -> Statement:
    """The statement of a completed bill."""
    account = Account.objects.select_related("customer", "location").get(pk=bill.account_id)
    prev = previous_bill(bill)
    fts = list(
        FinancialTransaction.objects.frozen()
        .filter(account=account)
        .filter(Q(accounting_date__lte=bill.bill_date) | Q(bill=bill))
        .select_related("bill", "sa__sa_type")
        .order_by("accounting_date", "pk")
    )
    through = [ft for ft in fts if _through(ft, bill)]
    previous_balance = sum((ft.current_amount for ft in through if _through(ft, prev)), ZERO)
    activity = [ft for ft in through if not _through(ft, prev) and ft.bill_id != bill.pk]
    payment_lines = [ft for ft in activity if ft.kind in PAYMENT_KINDS]
    adjustment_lines = [ft for ft in activity if ft.kind not in PAYMENT_KINDS]
    charges = sum((ft.current_amount for ft in through if ft.bill_id == bill.pk), ZERO)
    payments = sum((ft.current_amount for ft in payment_lines), ZERO)
    adjustments = sum((ft.current_amount for ft in adjustment_lines), ZERO)
    amount_due = statement_amounts_due(bill_ids=[bill.pk])[bill.pk]
    segments = [
        Segment(
            sa_type=seg.sa.sa_type.description,
            description=seg.description,
            amount=seg.amount,
            usage=list(seg.usage.select_related("meter").order_by("read_date", "pk")),
        )
        for seg in bill.segments.select_related("sa__sa_type").order_by("sa_id")
    ]
    return Statement(
        account=account,
        bill=bill,
        previous_bill=prev,
        customer_name=account.customer.display_name,
        mailing_address=_mailing_address(account),
        service_address=_service_address(account),
        segments=segments,
        payment_lines=payment_lines,
        adjustment_lines=adjustment_lines,
        previous_balance=previous_balance,
        payments=payments,
        adjustments=adjustments,
        charges=charges,
        amount_due=amount_due,
        scan_line=scan_line(account_number=account.number, amount_due=amount_due),
    )


def statement_html(statements: list[Statement]) -> str:
    return render_to_string(
        "accounts/statements/statement.html",
        {
            "statements": statements,
            "printed_at": timezone.localtime(),
            "utility_name": getattr(settings, "OPENCIS_UTILITY_NAME", "OpenCIS Utility"),
            "utility_phone": getattr(settings, "OPENCIS_UTILITY_PHONE", ""),
        },
    )


def duplicate_contacts(account: Account) -> list:
    """Contacts of the customer or the location who get duplicate notices by mail."""
    from .models import Contact

    return list(
        Contact.objects.filter(
            Q(customer_id=account.customer_id) | Q(location_id=account.location_id),
            notices=Contact.Notices.MAIL,
        ).prefetch_related("addresses")
    )


def _contact_address(contact) -> list[str]:
    address = sorted(contact.addresses.all(), key=lambda a: (not a.is_primary, a.pk))
    if not address:
        return []
    a = address[0]
    return [x for x in (a.line1, a.line2, f"{a.city}, {a.state} {a.postal_code}".strip()) if x]


def statement_duplicates_pdf(*, bill: Bill) -> bytes | None:
    """Print Statement Duplicate For Contacts (seed 004): one PDF, one copy of the
    statement per contact flagged for duplicate notices by mail, addressed to them. None
    when no contact is flagged."""
    from weasyprint import HTML

    contacts = duplicate_contacts(bill.account)
    if not contacts:
        return None
    base = statement_data(bill=bill)
    copies = [
        replace(
            base,
            copy_for=contact.name,
            addressee=contact.name,
            mailing_address=_contact_address(contact),
        )
        for contact in contacts
    ]
    return HTML(string=statement_html(copies)).write_pdf()


def statement_pdf(*, bill: Bill) -> bytes:
    from weasyprint import HTML  # slow to import: only when a PDF is made

    return HTML(string=statement_html([statement_data(bill=bill)])).write_pdf()


class StatementEmailError(ValueError):
    """No email address to send the statement to."""


def statement_email(*, bill: Bill, user) -> str:
    """Email Statement (seed 004, History tab): the PDF to the customer's primary email,
    recorded as an account note. Returns the address it went to."""
    from django.core.mail import EmailMessage

    from .models import CustomerEmail, NoteType
    from .services.notes import note_create

    account = bill.account
    email = (
        CustomerEmail.objects.filter(customer_id=account.customer_id)
        .order_by("-is_primary", "pk")
        .first()
    )
    if email is None:
        raise StatementEmailError("The customer has no email address on file.")
    message = EmailMessage(
        subject=f"Your statement for account {account.number} of {bill.bill_date:%m/%d/%Y}",
        body=(
            f"Attached is your statement of {bill.bill_date:%m/%d/%Y} for account "
            f"{account.number}, due {bill.due_date:%m/%d/%Y}."
        ),
        to=[email.address],
    )
    message.attach(statement_filename(bill), statement_pdf(bill=bill), "application/pdf")
    message.send()
    note_type, _ = NoteType.objects.get_or_create(
        code="STMT", defaults={"description": "Statement"}
    )
    note_create(
        account=account,
        level="account",
        user=user,
        data={
            "note_type": note_type,
            "subject": f"Statement of {bill.bill_date:%m/%d/%Y} emailed",
            "text": f"Statement of {bill.bill_date:%m/%d/%Y} (bill {bill.pk}) emailed to "
            f"{email.address}.",
        },
    )
    return email.address


def statement_filename(bill: Bill) -> str:
    return f"statement-{bill.account.number}-{bill.bill_date:%Y%m%d}.pdf"
