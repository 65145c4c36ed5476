"""Verify the audit chain: every hash, every link, no gaps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from auditlog.models import GENESIS_HASH, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_sequence: int | None = None
    problem: str = ""
    last_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return self.first_bad_sequence is None


def verify_events(events: Iterable[AuditEvent]) -> ChainReport:
    """Walk events in sequence order; stop at the first that does not hold."""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    for event in events:
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                expected_sequence,
                _(
                    "event #%(missing)d is missing (the next present is #%(found)d): "
                    "removed or renumbered"
                )
                % {"missing": expected_sequence, "found": event.sequence},
                previous_hash,
            )
        if event.prev_hash != previous_hash:
            return ChainReport(
                checked,
                event.sequence,
                _(
                    "event #%(seq)d does not link to the event before it: inserted, removed "
                    "or reordered"
                )
                % {"seq": event.sequence},
                previous_hash,
            )
        if event.compute_hash() != event.hash:
            return ChainReport(
                checked,
                event.sequence,
                _("event #%(seq)d was changed after it was written") % {"seq": event.sequence},
                previous_hash,
            )
        previous_hash = event.hash
        expected_sequence += 1
        checked += 1
    return ChainReport(checked, None, "", previous_hash)


def verify_chain() -> ChainReport:
    return verify_events(AuditEvent.objects.order_by("sequence").iterator(chunk_size=5000))
