"""Web logins (the ACP's Reset Web Login) and the portal's card payment."""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Account, Customer, NoteType
from accounts.services.notes import note_create

from ..processors import InvalidCardToken, card_processor
from .models import WebLogin
from .selectors import customer_web_email

PORTAL_PROCESSOR = "webselfcare"  # the webhook's processor code
CARD_PROCESSOR = "sandbox"  # whose hosted form and charge the portal uses


@transaction.atomic
def web_login_reset(*, account: Account, user, domain: str, secure: bool) -> WebLogin:
    """Reset Web Login (seed 004, Personal Info): the customer's web user (user name = the
    e-mail, created without a usable password if missing) gets an e-mail with a one-time
    link to set the password. A customer note records who did it."""
    customer: Customer = account.customer
    email = customer_web_email(customer=customer)
    if not email:
        raise ValidationError("The customer has no e-mail address: add one first.")
    User = get_user_model()
    login = WebLogin.objects.select_for_update().filter(customer=customer).first()
    if login is None:
        username = email.lower()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(f"The user name {username} is already taken.")
        web_user = User(username=username, email=email, is_staff=False)
        web_user.set_unusable_password()
        web_user.save()
        login = WebLogin.objects.create(user=web_user, customer=customer)
    else:
        web_user = login.user
        if web_user.email != email:
            web_user.email = email
            web_user.save(update_fields=["email"])
    if not customer.is_web_user:
        customer.is_web_user = True
        customer.save(update_fields=["is_web_user"])
    login.reset_sent_at = timezone.now()
    login.save(update_fields=["reset_sent_at"])
    context = {
        "customer": customer,
        "user": web_user,
        "uid": urlsafe_base64_encode(force_bytes(web_user.pk)),
        "token": default_token_generator.make_token(web_user),
        "domain": domain,
        "protocol": "https" if secure else "http",
    }
    transaction.on_commit(
        lambda: PasswordResetForm().send_mail(
            "payments/portal/reset_email_subject.txt",
            "payments/portal/reset_email.txt",
            context,
            None,
            email,
        )
    )
    note_type, _ = NoteType.objects.get_or_create(code="WEB", defaults={"description": "Web"})
    note_create(
        account=account,
        level="customer",
        user=user,
        data={
            "note_type": note_type,
            "subject": "Web login reset",
            "text": f"Password reset e-mail sent to {email} (web user {web_user.username}).",
        },
    )
    return login


@dataclass(frozen=True)
class PortalPayResult:
    approved: bool
    message: str = ""
    payment_id: int | None = None
    transaction_id: str = ""


def portal_payment_make(
    *, account: Account, amount: Decimal, card_token: str, key: str, payer_name: str
) -> PortalPayResult:
    """Charge the card through the processor, then deliver the processor's signed
    `webselfcare` webhook in-process: the payment is posted by the webhook like any other
    (tender control, freeze, reconnect). A repeat with the same `key` is the same charge
    (the processor is idempotent on it) and so the same transaction id: the webhook answers
    the original payment."""
    from ..processors.webhooks import webhook_receive, webhook_sign

    try:
        charge = card_processor(CARD_PROCESSOR).charge(
            token=card_token,
            amount=amount,
            reference=account.number,
            idempotency_key=f"portal:{account.number}:{key}",
        )
    except InvalidCardToken as err:
        return PortalPayResult(approved=False, message=str(err))
    if not charge.approved:
        return PortalPayResult(approved=False, message=charge.message or "The card was declined.")
    body = json.dumps(
        {
            "transaction_id": charge.transaction_id,
            "account": account.number,
            "amount": str(amount),
            "payment_date": timezone.localdate().isoformat(),
            "method": "card",
            "payer_name": payer_name[:80],
            "type": "payment",
        }
    ).encode()
    headers = webhook_sign(processor=PORTAL_PROCESSOR, body=body)
    result = webhook_receive(processor=PORTAL_PROCESSOR, headers=headers, body=body)
    if result.status_code not in (200, 201):
        return PortalPayResult(
            approved=False,
            message="Your card was charged but the payment could not be posted; customer "
            f"service has been told (reference {charge.transaction_id}).",
            transaction_id=charge.transaction_id,
        )
    return PortalPayResult(
        approved=True,
        payment_id=int(result.data["payment_id"]),
        transaction_id=charge.transaction_id,
    )
