"""Autopay on the Account Control Panel (seed 004): the Customer tab's Auto Payment sub-tab
and the dashboard's automatic-payments icon / Message Center line."""

from django.utils import timezone

from accounts.panel import Facts, PanelContext, facts_provider, register_customer_section

from .forms import ChangeForm, EnrollForm, StopForm
from .selectors import banks, enrollment_running, enrollments_past


def _running(ctx: PanelContext):
    if "autopay" not in ctx.memo:
        ctx.memo["autopay"] = enrollment_running(account=ctx.account)
    return ctx.memo["autopay"]


@facts_provider(order=60)
def autopay_facts(ctx: PanelContext, facts: Facts) -> None:
    enrollment = _running(ctx)
    if enrollment is not None and enrollment.is_running_on(ctx.today):
        facts.autopay_method = enrollment.method_label
    elif enrollment is not None and enrollment.start_on > ctx.today:
        facts.message_center.append(
            ("Automatic payment starts", enrollment.start_on.strftime("%m/%d/%Y"))
        )


def autopay_section_context(ctx: PanelContext, **extra) -> dict:
    enrollment = _running(ctx)
    data = {
        "enrollment": enrollment,
        "past": enrollments_past(account=ctx.account),
        "banks": banks(),
        "can_reveal": ctx.user.has_perm("autopay.reveal_bank_account"),
        "can_change": ctx.user.has_perm("autopay.change_enrollment"),
        "can_add": ctx.user.has_perm("autopay.add_enrollment"),
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
