"""Reads of the audit log, for auditors only."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from auditlog.models import AuditEvent
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
