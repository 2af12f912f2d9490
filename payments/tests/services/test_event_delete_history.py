"""Deleting a payment event (seed 003 step 2.3: "no financial impact") is refused, as a
CSR's answer and never a 500, once something of the event must stay on record: a cashed
check returned unpaid (its charge, fee and re-presentment point at its tender), a file
line that posted the payment."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from accounts.ledger_checks import ledger_breaches
from accounts.models import Adjustment
from payments.exceptions import PaymentStateError
from payments.models import Payment, PaymentEvent, PaymentStaging, Tender
from payments.services.cancel import tender_cancel, tender_return
from payments.services.events import DistributionMode, payment_delete, payment_event_delete
from payments.services.noncis import check_cash
from payments.tests.factories import account_with, pay, reason, source, tender_type
from payments.tests.upload.staging import upload

pytestmark = pytest.mark.usefixtures("pay_ref")


def cashed(payor, amount="157.19") -> tuple[PaymentEvent, Tender]:
    event = check_cash(
        tender_source=source(),
        check_type=tender_type("CHECK"),
        amount=D(amount),
        payor_account=payor,
        check_number="7001",
    )
    return event, event.tenders.get(amount__gt=0)


def test_cashed_check_keyed_in_error_is_deleted_with_its_tenders():
    """Nothing of a cashing was posted: deleting it removes the event and both tenders."""
    payor, _ = account_with("WATER")
    event, _ = cashed(payor)
    payment_event_delete(event=event)
    assert not PaymentEvent.objects.filter(pk=event.pk).exists()
    assert not Tender.objects.exists()
    assert list(ledger_breaches()) == []


def test_cashed_check_returned_and_re_presented_cannot_be_deleted():
    """The failing Hypothesis run: a cashed check returned NSF and presented again has no
    payment, yet its check tender carries the payor's charge, the NSF fee and the
    re-presentment that points at it. Deleting the event is refused with a reason and
    changes nothing."""
    payor, _ = account_with("WATER")
    event, check = cashed(payor)
    outcome = tender_return(tender=check, reason=reason("NSF"), represent=True)
    assert outcome.representment is not None
    with pytest.raises(PaymentStateError, match="cancelled"):
        payment_event_delete(event=event)
    check.refresh_from_db()
    assert check.status == Tender.Status.CANCELLED
    assert outcome.representment.tenders.get().represents_id == check.pk
    assert Adjustment.objects.filter(adjustment_type__code="RETCHECK").exists()
    assert list(ledger_breaches()) == []


def test_cashed_check_returned_unpaid_cannot_be_deleted():
    """Without re-presentment the charge for the cash handed out is still the payor's
    debt: its tender's cancellation stays on record."""
    payor, _ = account_with("WATER")
    event, check = cashed(payor)
    tender_cancel(tender=check, reason=reason("NSF"))
    with pytest.raises(PaymentStateError, match="cancelled"):
        payment_event_delete(event=event)
    assert Tender.objects.filter(event=event).count() == 2
    assert list(ledger_breaches()) == []


def test_payment_from_an_uploaded_line_keeps_its_event():
    """An unfrozen payment posted from a file line: the line keeps its link to the event
    and payment (the file's audit trail), so deleting the event, or the payment with it,
    is refused with a reason instead of failing on the protected reference."""
    payor, _ = account_with("WATER")
    payment = pay(payor, 25, mode=DistributionMode.DO_NOT_DISTRIBUTE)
    upload(
        [
            {
                "account_reference": payor.number,
                "amount": "25.00",
                "event": payment.event,
                "payment": payment,
            }
        ]
    )
    with pytest.raises(PaymentStateError, match="kept on record"):
        payment_event_delete(event=payment.event)
    with pytest.raises(PaymentStateError, match="kept on record"):
        payment_delete(payment=payment)
    assert Payment.objects.filter(pk=payment.pk, status=Payment.Status.INCOMPLETE).exists()
    assert PaymentStaging.objects.get().event_id == payment.event_id


def test_api_answers_a_refused_delete_with_409(db):
    """The API's DELETE of such an event is the CSR's answer (409 with the reason), not a
    server error."""
    payor, _ = account_with("WATER")
    event, check = cashed(payor)
    tender_return(tender=check, reason=reason("NSF"), represent=True)
    supervisor = APIClient()
    user = User.objects.create_user("sup", password="x")
    user.groups.add(Group.objects.get(name="Supervisor"))
    supervisor.force_authenticate(user)
    response = supervisor.delete(f"/api/v1/payment-events/{event.pk}/")
    assert response.status_code == 409
    assert "cancelled" in response.data["detail"]
    assert PaymentEvent.objects.filter(pk=event.pk).exists()
