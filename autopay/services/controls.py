"""Balance controls of the autopay extracts (seed 001 steps 5.9-6.1): each extract (an
ACH file, or one run's card charges for an effective date) gets a deposit control and a
tender control of tender source AUTOPAY, expecting the extract's count and total; the
extract's tenders are put in the tender control and both are balanced.

Done once per extract: `AchExtract.tender_control` is set in the same transaction, and
the job selects only extracts without one.
"""

from dataclasses import dataclass

from django.db import transaction

from cis.bulk import id_in
from payments.lock_objects import tender_qs_select_for_update
from payments.models import Tender, TenderSource
from payments.services.controls import (
    BalanceOutcome,
    deposit_control_balance,
    deposit_control_create,
    tender_control_balance,
    tender_control_open,
)

from ..models import AchExtract, Enrollment
from .extract import ach_extract_file_publish

TENDER_SOURCE = "AUTOPAY"


@dataclass(frozen=True)
class ControlsOutcome:
    extract: AchExtract
    tender: BalanceOutcome
    deposit: BalanceOutcome

    @property
    def balanced(self) -> bool:
        return self.tender.balanced and self.deposit.balanced

    @property
    def detail(self) -> str:
        return "; ".join(filter(None, [self.tender.detail, self.deposit.detail]))


def _description(extract: AchExtract) -> str:
    if extract.kind == Enrollment.Kind.DRAFT:
        return f"Autopay ACH file {extract.file_name}"[:120]
    return f"Autopay card charges {extract.business_date}, effective {extract.effective_on}"


@transaction.atomic
def ach_extract_controls_create(*, extract: AchExtract) -> ControlsOutcome:
    """seed 001 steps 6.0-6.1 for one extract (locked by the caller). A control whose
    tenders disagree with the extract stays Balancing, for finance to look at, and the
    outcome says why."""
    if extract.kind == Enrollment.Kind.DRAFT:
        ach_extract_file_publish(extract=extract)  # the file is there, as recorded
    deposit = deposit_control_create(
        deposit_date=extract.effective_on,
        description=_description(extract),
        expected_count=extract.entry_count,
        expected_total=extract.total,
    )
    control = tender_control_open(
        deposit_control=deposit,
        tender_source=TenderSource.objects.get(code=TENDER_SOURCE),
        expected_count=extract.entry_count,
        expected_total=extract.total,
    )
    # The extract's tender ids as an array, not a subquery: the clearings were just given
    # this extract, so the planner's statistics see almost none with its id and chose a
    # nested loop that probed the extract index once per tender (3 s at 10,000 entries,
    # quadratic in the file's size).
    tender_ids = [pk for pk in extract.clearings.values_list("tender_id", flat=True) if pk]
    tenders = list(
        tender_qs_select_for_update().filter(pk__in=id_in(tender_ids), tender_control__isnull=True)
    )
    Tender.objects.filter(pk__in=id_in([t.pk for t in tenders])).update(tender_control=control)
    tender = tender_control_balance(tender_control=control)
    deposit_outcome = deposit_control_balance(deposit_control=deposit)
    extract.tender_control = control
    extract.save(update_fields=["tender_control"])
    return ControlsOutcome(extract, tender, deposit_outcome)
