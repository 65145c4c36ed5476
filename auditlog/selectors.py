"""Reads of the audit log for the floors above it (the registry shows a measure's screenings).

The auditors' workspace has its own reads, in `auditlog/workspace/selectors.py`.
"""

from __future__ import annotations

from auditlog.models import AuditEvent, EventKind


def screenings_of_measure(*, measure_ref: str, limit: int = 20) -> list[AuditEvent]:
    """Who screened this measure's people, and why: shown to the ward that holds the case.

    The caller has already loaded the measure through the registry's selector (scope checked).
    """
    return list(
        AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT, measure_ref=measure_ref)
        .select_related("actor__ward")
        .order_by("-sequence")[:limit]
    )
