"""Payments on the Account Control Panel (issue 4 item 9; seed 003 steps 1.1-4.8): the
Payments tab, the payment-center notes shown before a payment is keyed, and the dashboard's
last payment with its "U" (unposted) mark (seed 004)."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.acp.selectors.access import accounts_visible
from accounts.models import FinancialTransaction, Note
from accounts.panel import (
    Facts,
    LastPayment,
    PanelContext,
    RecordLink,
    facts_provider,
    payment_alerts,
    register_customer_section,
    register_history_actions,
    register_home_card,
    register_personal_action,
    register_tab,
    register_todo_source,
)
from accounts.templatetags.acp import money

from .forms import EventForm, QuickPayForm, ReceiptForm
from .models import DeferredCharge, Payment, PaySegment, Tender, TenderType
from .selectors import panel_last_payment, panel_payments
from .services.deferred import customer_deferred_items


def payment_center_notes(ctx: PanelContext) -> list[Note]:
    """Account and customer notes flagged for the payment center (seed 004 notes): the
    CSR reads them before taking money."""
    if "payment_notes" not in ctx.memo:
        ctx.memo["payment_notes"] = list(
            Note.objects.filter(
                Q(level=Note.Level.ACCOUNT, account=ctx.account)
                | Q(level=Note.Level.CUSTOMER, customer_id=ctx.account.customer_id),
                show_in_payment_center=True,
            ).only("subject", "text")
        )
    return ctx.memo["payment_notes"]


def _payments_context(ctx: PanelContext) -> dict:
    balance = ctx.account.balance
    # Most payments at the counter settle the balance in cash (seed 003 step 1.1).
    quick = QuickPayForm(
        initial={
            "amount": balance if balance > 0 else None,
            "tender_type": TenderType.objects.filter(code="CASH").first(),
        }
    )
    return {
        "payments": panel_payments(account=ctx.account),
        "quick": quick,
        "event_form": EventForm(),
        "receipt_form": ReceiptForm(),
        "notes": payment_center_notes(ctx),
        "refuses": ctx.customer.do_not_accept_payments,
        "alerts": payment_alerts(ctx),  # other apps' (delinquency: No Penalty, cash only...)
    }


register_tab(
    key="payments",
    label="Payments",
    order=90,
    template="payments/acp/tab.html",
    context=_payments_context,
    has_records=lambda ctx: Payment.objects.filter(account=ctx.account).exists(),
    permission="payments.view_payment",
)


@facts_provider(order=50)
def payment_facts(ctx: PanelContext, facts: Facts) -> None:
    """The last frozen payment replaces accounts' ledger fallback; "U" marks a payment
    received but not yet posted (incomplete or in error)."""
    last, unposted = panel_last_payment(account=ctx.account)
    if last is not None:
        facts.last_payment = LastPayment(date=last.accounting_date, amount=last.amount)
    if unposted:
        if facts.last_payment is None:
            pending = (
                Payment.objects.filter(account=ctx.account)
                .exclude(status__in=[Payment.Status.FROZEN, Payment.Status.CANCELLED])
                .order_by("-pk")
                .only("accounting_date", "amount")
                .first()
            )
            facts.last_payment = LastPayment(date=pending.accounting_date, amount=pending.amount)
        facts.last_payment.unposted = True


def _history_payment_rows(ctx: PanelContext, fts: list) -> dict[int, dict]:
    """History rows of payment FTs get their payment's actions (issue 4 item 9: transfer,
    receipt, NSF, reverse from the History tab). One action set per payment, on its first
    (newest) row; its other pay segments say they belong to it (issue 8 item 6). One query
    for the whole page."""
    ids = [ft.pk for ft in fts if ft.kind == FinancialTransaction.Kind.PAY_SEGMENT]
    if not ids:
        return {}
    layouts = ReceiptForm().fields["layout"].choices
    segments = {
        s.ft_id: s for s in PaySegment.objects.filter(ft_id__in=ids).select_related("payment")
    }
    parts: dict[int, int] = {}
    for s in segments.values():
        parts[s.payment_id] = parts.get(s.payment_id, 0) + 1
    rows, seen = {}, set()
    for ft_id in ids:  # the page's order: the first row of a payment carries its actions
        s = segments.get(ft_id)
        if s is None:
            continue
        first = s.payment_id not in seen
        seen.add(s.payment_id)
        rows[ft_id] = {
            "p": s.payment,
            "layouts": layouts,
            "suffix": f"-h{ft_id}",
            "first": first,
            "parts": parts[s.payment_id],
        }
    return rows


register_history_actions(template="payments/acp/_history_actions.html", rows=_history_payment_rows)


# To Do sources and the home page (issue 8 item 16) --------------------------------------


def _payment_link(user, payment: Payment | None) -> RecordLink | None:
    if payment is None or not accounts_visible(user=user).filter(pk=payment.account_id).exists():
        return None
    url = reverse("acp:panel", args=[payment.account.number])
    return RecordLink(
        f"payment of {money(payment.amount)} on {payment.accounting_date:%m/%d/%Y} "
        f"(account {payment.account.number})",
        f"{url}?tab=payments#payment-{payment.pk}",
    )


def _payment_source(user, key: str) -> RecordLink | None:
    if not key.isdigit():
        return None
    return _payment_link(user, Payment.objects.select_related("account").filter(pk=key).first())


def _event_source(user, key: str) -> RecordLink | None:
    """An event or tender opens its first payment (tenders belong to one event)."""
    if not key.isdigit():
        return None
    payment = Payment.objects.select_related("account").filter(event_id=key).order_by("pk").first()
    return _payment_link(user, payment)


def _tender_source(user, key: str) -> RecordLink | None:
    if not key.isdigit():
        return None
    tender = Tender.objects.filter(pk=key).only("event_id").first()
    return _event_source(user, str(tender.event_id)) if tender else None


register_todo_source("payments.Payment", _payment_source)
register_todo_source("payments.PaymentEvent", _event_source)
register_todo_source("payments.Tender", _tender_source)


def _today_payments(request) -> dict:
    """Payments this user keyed today (accounting date today), newest first."""
    today = timezone.localdate()
    qs = (
        Payment.objects.filter(
            account__in=accounts_visible(user=request.user).values("pk"),
            created_by=request.user,
            accounting_date=today,
        )
        .exclude(status=Payment.Status.CANCELLED)
        .select_related("account__customer")
        .order_by("-pk")
    )
    rows = list(qs[:10])
    totals = qs.aggregate(n=Count("pk"), total=Sum("amount"))
    return {"rows": rows, "count": totals["n"], "total": totals["total"] or Decimal("0.00")}


register_home_card(
    key="payments-today",
    title="Today's payments taken by me",
    order=50,
    template="payments/acp/_home_today.html",
    context=_today_payments,
    permission="payments.view_payment",
)


# Upload exceptions (issue 9 item 5): a TD-PYUPL entry opens its exception on the upload
# exceptions screen, and the home page, where a CSR starts the day, counts the open ones.


def _upload_exception_source(field: str):
    def resolve(user, key: str) -> RecordLink | None:
        from .upload.worklist import exceptions_visible

        if not key.isdigit() or not user.has_perm("payments.view_uploadexception"):
            return None
        mine = exceptions_visible(user=user).filter(**{f"{field}_id": key})
        # The open exception, else the newest (the entry was completed with its fix).
        exc = mine.filter(resolved_at__isnull=True).first() or mine.order_by("-pk").first()
        if exc is None:
            return None
        return RecordLink(
            f"Upload exception: {exc.message[:80]}",
            reverse("payacp:upload-exception", args=[exc.pk]),
        )

    return resolve


register_todo_source("payments.PaymentStaging", _upload_exception_source("payment_staging"))
register_todo_source("payments.TenderStaging", _upload_exception_source("tender_staging"))
register_todo_source("payments.DepositStaging", _upload_exception_source("deposit_staging"))


def _upload_exceptions_card(request) -> dict:
    from .upload.worklist import exceptions_visible

    open_ = exceptions_visible(user=request.user).filter(resolved_at__isnull=True)
    rows = list(open_.select_related("payment_staging").order_by("-created_at", "-pk")[:5])
    return {"count": open_.count(), "rows": rows}


register_home_card(
    key="upload-exceptions",
    title="Upload exceptions",
    order=40,
    template="payments/acp/_home_upload_exceptions.html",
    context=_upload_exceptions_card,
    permission="payments.view_uploadexception",
)


def _reset_web_login_context(ctx: PanelContext) -> dict:
    """Reset Web Login (seed 004, Personal Info): enabled only for a customer with an
    e-mail address."""
    from .portal.models import WebLogin
    from .portal.selectors import customer_web_email

    return {
        "email": customer_web_email(customer=ctx.customer),
        "login": WebLogin.objects.filter(customer=ctx.customer).select_related("user").first(),
        "sent": ctx.memo.get("web_login_sent", ""),
        "error": ctx.memo.get("web_login_error", ""),
        "may": ctx.user.has_perm("accounts.change_customer"),
    }


register_personal_action(
    key="reset_web_login",
    order=10,
    template="payments/portal/_reset_action.html",
    context=_reset_web_login_context,
)


# Customer tab > Deferred Charges (seed 004): the items with the customer's participation,
# opt-in / opt-out for a CSR, and the account's recent charges.


def deferred_section_context(ctx: PanelContext) -> dict:
    if "deferred" not in ctx.memo:
        ctx.memo["deferred"] = {
            "items": customer_deferred_items(customer=ctx.customer),
            "recent": list(
                DeferredCharge.objects.filter(payment__account=ctx.account)
                .select_related("payment", "charge_type")
                .order_by("-payment__accounting_date", "-pk")[:10]
            ),
            "can_change": ctx.user.has_perm("payments.change_deferredchargeenrollment"),
        }
    return ctx.memo["deferred"]


def deferred_has_records(ctx: PanelContext) -> bool:
    return any(row["participating"] for row in deferred_section_context(ctx)["items"])


register_customer_section(
    key="deferred",
    label="Deferred Charges",
    order=60,
    template="payments/acp/_deferred.html",
    context=deferred_section_context,
    has_records=deferred_has_records,
    permission="payments.view_deferredchargetype",
)
