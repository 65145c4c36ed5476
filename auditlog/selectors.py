"""Reads of the audit log, for auditors only."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from auditlog.models import AuditEvent, EventKind
from supportmeasures.models import Role, Staff

PAGE_SIZE = 50


def can_read_auditlog(user: Staff) -> bool:
    return user.has_role(Role.AUDITOR)


def events_page(
    *, user: Staff, before: int | None = None, kind: str = "", person: str = "", measure: str = ""
) -> list[AuditEvent]:
    """Newest first, paged by key (sequence), never by OFFSET."""
    if not can_read_auditlog(user):
        raise Http404
    events: QuerySet[AuditEvent] = AuditEvent.objects.select_related("actor", "ward")
    if before:
        events = events.filter(sequence__lt=before)
    if kind:
        events = events.filter(kind=kind)
    if person:
        events = events.filter(person_public_id=person)
    if measure:
        events = events.filter(measure_ref=measure)
    return list(events.order_by("-sequence")[:PAGE_SIZE])


def screenings_of_measure(*, measure_ref: str, limit: int = 20) -> list[AuditEvent]:
    """Who screened this measure's people, and why: shown to the ward that holds the case.

    The caller has already loaded the measure through the registry's selector (scope checked).
    """
    return list(
        AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT, measure_ref=measure_ref)
        .select_related("actor__ward")
        .order_by("-sequence")[:limit]
    )
