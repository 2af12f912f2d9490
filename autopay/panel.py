"""Autopay on the Account Control Panel (seed 004): the Customer tab's Auto Payment sub-tab
and the dashboard's automatic-payments icon / Message Center line."""

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.acp.selectors.access import accounts_visible
from accounts.models import FinancialTransaction
from accounts.panel import (
    Facts,
    PanelContext,
    RecordLink,
    facts_provider,
    register_customer_section,
    register_history_actions,
    register_todo_source,
)
from cis.money import money_format
from payments.models import Payment, PaySegment

from .forms import ChangeForm, EnrollForm, StopForm
from .models import Clearing, Enrollment
from .selectors import (
    banks,
    clearings_recent,
    enrollment_running,
    enrollments_past,
    required_amount_basis,
)

# On their way to the bank: the Message Center's "Next autopay".
UPCOMING = {
    Clearing.Status.PENDING,
    Clearing.Status.CREATED,
    Clearing.Status.FROZEN,
    Clearing.Status.ACTIVATED,
}
# How long the Message Center keeps saying an autopay came back.
RETURN_SHOWN_DAYS = 60


def _running(ctx: PanelContext):
    if "autopay" not in ctx.memo:
        ctx.memo["autopay"] = enrollment_running(account=ctx.account)
    return ctx.memo["autopay"]


def _clearings(ctx: PanelContext) -> list[Clearing]:
    if "autopay_clearings" not in ctx.memo:
        clearings = clearings_recent(account=ctx.account)
        for clearing in clearings:
            clearing.notice_status = clearing_notice_status(clearing)
        ctx.memo["autopay_clearings"] = clearings
    return ctx.memo["autopay_clearings"]


def clearing_notice_status(clearing: Clearing) -> str:
    """The advance notice of one autopay as a CSR reads it (Reg E 1005.10(d))."""
    if not clearing.notice_due:
        return ""
    if clearing.notice_sent_at is None:
        return "Due, not sent"
    day = timezone.localtime(clearing.notice_sent_at).strftime("%m/%d/%Y")
    late = " (late)" if clearing.notice_late else ""
    if clearing.notice_via == "mail":
        return f"To be mailed (To Do) {day}{late}"
    return f"Emailed {day} to {clearing.notice_sent_to}{late}"


@facts_provider(order=60)
def autopay_facts(ctx: PanelContext, facts: Facts) -> None:
    enrollment = _running(ctx)
    if enrollment is not None and enrollment.is_running_on(ctx.today):
        facts.autopay_method = enrollment.method_label
    elif enrollment is not None and enrollment.start_on > ctx.today:
        facts.message_center.append(
            ("Automatic payment starts", enrollment.start_on.strftime("%m/%d/%Y"))
        )
    facts.message_center.extend(autopay_message_lines(ctx, enrollment))


def autopay_message_lines(ctx: PanelContext, enrollment: Enrollment | None) -> list[tuple]:
    """Message Center lines: the next autopay, a recent return, a card about to expire."""
    lines = []
    clearings = _clearings(ctx)
    upcoming = [c for c in clearings if c.status in UPCOMING]
    if upcoming:
        nxt = min(upcoming, key=lambda c: (c.gl_distribution_on, c.pk))
        lines.append(
            (
                "Next autopay",
                f"{money_format(nxt.amount)} on {nxt.gl_distribution_on:%m/%d/%Y}",
            )
        )
    since = ctx.today - dt.timedelta(days=RETURN_SHOWN_DAYS)
    returned = [c for c in clearings if c.status == Clearing.Status.RETURNED and c.returned_on]
    returned = [c for c in returned if c.returned_on >= since]
    if returned:
        last = max(returned, key=lambda c: (c.returned_on, c.pk))
        lines.append(
            (
                "Autopay returned",
                f"{last.return_code} on {last.returned_on:%m/%d/%Y} ({money_format(last.amount)})",
            )
        )
    if enrollment is not None and enrollment.kind == Enrollment.Kind.CARD:
        expires = enrollment.card_expires_on
        horizon = ctx.today + dt.timedelta(days=settings.OPENCIS_CARD_EXPIRY_NOTICE_DAYS)
        if expires is not None and expires <= horizon:
            label = "Card expired" if expires < ctx.today else "Card expires"
            lines.append(
                (label, f"{enrollment.card_brand} {enrollment.masked_number} {expires:%m/%d/%Y}")
            )
    return lines


def autopay_section_context(ctx: PanelContext, **extra) -> dict:
    enrollment = _running(ctx)
    data = {
        "enrollment": enrollment,
        "past": enrollments_past(account=ctx.account),
        "clearings": _clearings(ctx),
        "banks": banks(),
        "can_reveal": ctx.user.has_perm("autopay.reveal_bank_account"),
        "can_change": ctx.user.has_perm("autopay.change_enrollment"),
        "can_add": ctx.user.has_perm("autopay.add_enrollment"),
        "can_create_payment": ctx.user.has_perm("autopay.add_clearing"),
        "can_change_payment": ctx.user.has_perm("autopay.change_clearing"),
    }
    if enrollment is None:
        token = ctx.request.GET.get("card_token", "")
        initial = {"start_on": timezone.localdate(), "amount_option": "balance"}
        if token:
            initial.update(kind="card", card_token=token)
        data["enroll_form"] = extra.get("enroll_form") or EnrollForm(initial=initial)
    else:
        data["change_form"] = extra.get("change_form") or ChangeForm(
            initial={
                "amount_option": enrollment.amount_option,
                "amount": enrollment.amount,
                "notify_in_advance": enrollment.notify_in_advance,
                "start_on": enrollment.start_on,
                "end_on": enrollment.end_on,
            }
        )
        data["stop_form"] = extra.get("stop_form") or StopForm()
        if enrollment.amount_option == Enrollment.AmountOption.REQUIRED:
            data["required_basis"] = required_amount_basis(
                account=ctx.account, on=timezone.localdate()
            )
    data.update({k: v for k, v in extra.items() if k not in data})
    return data


register_customer_section(
    key="autopay",
    label="Auto Payment",
    order=30,
    template="autopay/acp/_autopay.html",
    context=autopay_section_context,
    has_records=lambda ctx: _running(ctx) is not None,
    permission="autopay.view_enrollment",
)


def _history_autopay_rows(ctx: PanelContext, fts: list) -> dict[int, dict]:
    """History rows of autopay payments (tender source AUTOPAY) say so, with the draft or
    card and the trace number when a clearing record is behind them; their cancellations
    say the return code and the reason (issue 10 item 7). Three queries for the page."""
    kinds = (FinancialTransaction.Kind.PAY_SEGMENT, FinancialTransaction.Kind.PAY_CANCEL)
    ids = {ft.pk for ft in fts if ft.kind in kinds}
    if not ids:
        return {}
    segments = list(
        PaySegment.objects.filter(payment__event__tender_source__code="AUTOPAY")
        .filter(Q(ft_id__in=ids) | Q(cancel_ft_id__in=ids))
        .values_list("ft_id", "cancel_ft_id", "payment_id")
    )
    if not segments:
        return {}
    payment_ids = {p for _, _, p in segments}
    payments = Payment.objects.select_related("cancel_reason").in_bulk(payment_ids)
    clearings = {
        c.payment_id: c
        for c in Clearing.objects.filter(payment_id__in=payment_ids).select_related("enrollment")
    }
    rows = {}
    for ft_id, cancel_ft_id, payment_id in segments:
        item = {"p": payments[payment_id], "c": clearings.get(payment_id)}
        if ft_id in ids:
            rows[ft_id] = {**item, "cancel": False}
        if cancel_ft_id in ids:
            rows[cancel_ft_id] = {**item, "cancel": True}
    return rows


register_history_actions(template="autopay/acp/_history_autopay.html", rows=_history_autopay_rows)


# To Do sources: the notices' and card expiry's To Dos open the account's Auto Payment
# sub-tab (where the notice PDF is), for users who may see the account.


def _autopay_link(user, account_id: int | None, label: str) -> RecordLink | None:
    account = accounts_visible(user=user).filter(pk=account_id).only("number").first()
    if account is None:
        return None
    url = reverse("acp:panel", args=[account.number])
    return RecordLink(f"{label} (account {account.number})", f"{url}?tab=customer#sec-autopay")


def _clearing_source(user, key: str) -> RecordLink | None:
    clearing = Clearing.objects.filter(pk=key).first() if key.isdigit() else None
    if clearing is None:
        return None
    label = f"autopay of {money_format(clearing.amount)} on {clearing.gl_distribution_on:%m/%d/%Y}"
    return _autopay_link(user, clearing.account_id, label)


def _enrollment_source(user, key: str) -> RecordLink | None:
    enrollment = Enrollment.objects.filter(pk=key).first() if key.isdigit() else None
    if enrollment is None:
        return None
    label = f"autopay {enrollment.method_label} {enrollment.masked_number}"
    return _autopay_link(user, enrollment.account_id, label)


register_todo_source("autopay.Clearing", _clearing_source)
register_todo_source("autopay.Enrollment", _enrollment_source)
