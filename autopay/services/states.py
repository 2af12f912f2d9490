"""Clearing state moves for many records at once (DESIGN §5).

A chunk of thousands of clearings cannot afford a transition and a save (and a log row)
per record: the move is one UPDATE guarded by the transition's source states, and the
django-fsm-log rows are written in one insert, the same rows a transition would write.
A record no longer in a source state is not moved; the caller holds the row locks, so a
count short of what was asked is a bug, not a race, and fails loudly.
"""

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from cis.bulk import id_in, state_logs_insert

from ..models import Clearing

Status = Clearing.Status


class ClearingStateError(RuntimeError):
    pass


def clearings_move(
    *,
    ids: Sequence[int],
    sources: Iterable[str],
    target: str,
    transition: str,
    user=None,
    **fields,
) -> None:
    """Move the clearings `ids` (locked by the caller) from one of `sources` to `target`,
    setting `fields` too; one log row each, as `transition` would write."""
    ids = sorted(set(ids))
    if not ids:
        return
    sources = list(sources)
    with transaction.atomic():
        # One log row per source state: the rows are read back by state before the move.
        by_source: dict[str, list[int]] = {}
        for pk, status in Clearing.objects.filter(pk__in=id_in(ids)).values_list("pk", "status"):
            by_source.setdefault(status, []).append(pk)
        wrong = sorted((pk, s) for s, pks in by_source.items() if s not in sources for pk in pks)
        if wrong:
            pk, status = wrong[0]
            raise ClearingStateError(
                f"clearing {pk} is {status}: {transition} needs {'/'.join(sources)}"
            )
        moved = (
            Clearing.objects.filter(pk__in=id_in(ids), status__in=sources)
            .order_by()
            .update(status=target, **fields)
        )
        if moved != len(ids):
            raise ClearingStateError(f"{transition}: {moved} of {len(ids)} clearings moved")
        now = timezone.now()
        for source, pks in by_source.items():
            state_logs_insert(
                Clearing,
                pks,
                source=source,
                target=target,
                transition=transition,
                by_id=getattr(user, "pk", None),
                now=now,
            )
