"""An event's `external_id` as an idempotency key (issue 7 item 16): an integration that
posts the same external transaction again gets the event it created (200), not a
constraint message, also when both posts race; other money under that id is a 409."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.exceptions import APIException

from cis.money import quantize

from ..models import PaymentEvent
from ..selectors import event_by_external_id


class ExternalIdConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "external_id_conflict"


# What the duplicate check catches when a twin committed between the lookup and the insert:
# the model's constraint check (sequential) or the unique index itself (concurrent).
DUPLICATE_ERRORS = (IntegrityError, DjangoValidationError)


def _tenders(items) -> list[tuple[str, str]]:
    return sorted((t.tender_type.code, str(quantize(t.amount))) for t in items)


def external_id_original(*, visible, v: dict) -> PaymentEvent | None:
    """The event already posted under the request's external id, if any. The same
    external transaction means the same tenders (types and amounts) on the same payment
    date: payments may have been cancelled or transferred since, the money received not.
    Anything else, or an event the user may not see, is a 409 that shows nothing of it."""
    if not v.get("external_id"):
        return None
    event = event_by_external_id(
        tender_source_id=v["tender_source"].pk, external_id=v["external_id"]
    )
    if event is None:
        return None
    same = _tenders(event.tenders.all()) == _tenders(_TenderView(t) for t in v["tenders"]) and (
        v.get("payment_date") in (None, event.payment_date)
    )
    if not same or not visible.filter(pk=event.pk).exists():
        raise ExternalIdConflict(
            f"external id {v['external_id']} was posted already, for other money"
        )
    return event


class _TenderView:
    def __init__(self, data: dict):
        self.tender_type, self.amount = data["tender_type"], data["amount"]
