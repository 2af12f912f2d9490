"""Print Service Order (seed 004): the form the field crew takes, as a PDF (WeasyPrint,
like the payment receipts)."""

from django.template.loader import render_to_string
from django.utils import timezone

from .models import ServiceOrder


def service_order_pdf(*, order: ServiceOrder) -> bytes:
    from weasyprint import HTML

    account = order.account
    customer = account.customer
    phone = customer.phones.filter(is_primary=True).first()
    html = render_to_string(
        "serviceorders/print.html",
        {
            "order": order,
            "account": account,
            "customer": customer,
            "location": order.location,
            "phone": phone,
            "printed_at": timezone.localtime(),
        },
    )
    return HTML(string=html).write_pdf()
