"""Statement, Email Statement (seed 004, History tab actions; issue 13 item 1)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from ...models import Bill
from ...panel import PanelContext
from ...statements import (
    StatementEmailError,
    statement_duplicates_pdf,
    statement_email,
    statement_filename,
    statement_pdf,
)
from .base import panel_action, require_perm

EMAIL_PERMISSION = "accounts.add_note"


def _bill(ctx: PanelContext, bill_id: int) -> Bill:
    """A completed bill of this account; another account's bill is a 404."""
    return get_object_or_404(
        Bill.objects.select_related("account"),
        pk=bill_id,
        account=ctx.account,
        status=Bill.Status.COMPLETE,
    )


@panel_action()
def statement(request: HttpRequest, ctx: PanelContext, bill_id: int) -> HttpResponse:
    bill = _bill(ctx, bill_id)
    response = HttpResponse(statement_pdf(bill=bill), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{statement_filename(bill)}"'
    return response


@panel_action(post_permission=EMAIL_PERMISSION)
def statement_email_view(request: HttpRequest, ctx: PanelContext, bill_id: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404
    require_perm(request, EMAIL_PERMISSION)
    bill = _bill(ctx, bill_id)
    try:
        address = statement_email(bill=bill, user=request.user)
    except StatementEmailError as e:
        return HttpResponse(str(e), status=422, content_type="text/plain")
    return HttpResponse(
        f"Statement of {bill.bill_date:%m/%d/%Y} emailed to {address}.",
        content_type="text/plain",
    )


@panel_action()
def statement_duplicates(request: HttpRequest, ctx: PanelContext, bill_id: int) -> HttpResponse:
    """Print Statement Duplicate For Contacts: a copy per contact flagged for mail."""
    bill = _bill(ctx, bill_id)
    pdf = statement_duplicates_pdf(bill=bill)
    if pdf is None:
        raise Http404("No contact gets duplicate notices by mail.")
    response = HttpResponse(pdf, content_type="application/pdf")
    name = statement_filename(bill).replace(".pdf", "-duplicates.pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
