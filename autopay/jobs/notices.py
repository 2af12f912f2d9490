"""Autopay batch jobs: notices (registered on import by autopay/batch.py).

autopay_advance_notices  Reg E advance notices of varying amounts (autopay.services.notices)
autopay_card_expiry      expiring-card notices and expired-card stops
                         (autopay.services.card_expiry)
"""

from datetime import date

from cis.batch import BatchJob, ChunkResult, register

from ..models import Clearing, Enrollment
from ..services.card_expiry import card_expiry_due, card_expiry_process
from ..services.notices import advance_notice_send, advance_notices_due


def _notices_due(business_date: date):
    return advance_notices_due(business_date=business_date)


def _notices_send(clearings: list[Clearing], business_date: date) -> ChunkResult:
    result = ChunkResult()
    for clearing in clearings:
        advance_notice_send(clearing=clearing, business_date=business_date)
        result.done += 1
        result.money += clearing.amount
    result.lines = result.done
    return result


def _cards_due(business_date: date):
    return card_expiry_due(business_date=business_date)


def _cards_process(enrollments: list[Enrollment], business_date: date) -> ChunkResult:
    result = ChunkResult()
    for enrollment in enrollments:
        card_expiry_process(enrollment=enrollment, business_date=business_date)
        result.done += 1
    return result


register(
    BatchJob(
        name="autopay_advance_notices",
        description="Email the advance notice (PDF attached) of each automatic payment whose "
        "enrollment asks for one, at least OPENCIS_AUTOPAY_NOTICE_DAYS before the debit (Reg E "
        "1005.10(d)); late notices and customers without email raise a To Do.",
        select=_notices_due,
        process=_notices_send,
    )
)
register(
    BatchJob(
        name="autopay_card_expiry",
        description="Warn customers whose autopay card expires within "
        "OPENCIS_CARD_EXPIRY_NOTICE_DAYS (once per expiry date) and stop autopay on expired "
        "cards (seed 001 step 1.5).",
        select=_cards_due,
        process=_cards_process,
    )
)
