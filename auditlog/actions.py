"""The one way to write audit events."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from auditlog.models import GENESIS_HASH, AuditEvent, AuditEventPerson, EventKind

if TYPE_CHECKING:
    from auditlog.selectors import EventFilter
    from supportmeasures.models import Person, Staff, SupportMeasure, Ward

# Arbitrary constant naming the chain's advisory lock ("MAMORI" in ASCII hex).
CHAIN_LOCK_KEY = 0x4D414D4F5249


class AuditOutsideTransaction(RuntimeError):
    """An event must be written in the same transaction as the act it records."""


@dataclass(frozen=True)
class Event:
    """One event to append. `data` holds identifiers and codes only, never a location."""

    kind: EventKind
    actor: Staff | None
    occurred_at: datetime.datetime
    ward: Ward | None = None
    person_public_id: uuid.UUID | None = None
    measure_ref: str = ""
    decision: str = ""
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    # Further registered people the event concerns (an inquiry's, a plan's): hashed in `data`
    # and indexed, so a person's history finds every event about them.
    persons: tuple[str, ...] = ()

    def content_data(self) -> dict[str, Any]:
        if not self.persons:
            return self.data
        return {**self.data, "persons": sorted(set(self.persons))}

    def person_index(self) -> set[str]:
        people = set(self.persons)
        if self.person_public_id:
            people.add(str(self.person_public_id))
        return people


def _lock_chain() -> None:
    # PostgreSQL: a transaction-scoped advisory lock serialises appends until commit, so two
    # writers can never read the same head. SQLite: IMMEDIATE transactions already do.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    elif connection.vendor != "sqlite":  # pragma: no cover - other databases are not supported
        raise NotImplementedError(connection.vendor)


def record_events(events: list[Event]) -> list[AuditEvent]:
    """Append events to the chain in order, under one lock. Call it last in the action's
    own transaction: no decision without its event, no event without its decision."""
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(events[0].kind if events else "")
    if not events:
        return []
    _lock_chain()
    head = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
    sequence, prev_hash = (head.sequence, head.hash) if head else (0, GENESIS_HASH)
    rows = []
    for spec in events:
        ward = spec.ward if spec.ward is not None else (spec.actor.ward if spec.actor else None)
        sequence += 1
        row = AuditEvent(
            sequence=sequence,
            prev_hash=prev_hash,
            occurred_at=spec.occurred_at,
            actor=spec.actor,
            actor_username=spec.actor.get_username() if spec.actor else "",
            ward=ward,
            ward_code=ward.code if ward else "",
            kind=spec.kind,
            person_public_id=spec.person_public_id,
            measure_ref=spec.measure_ref,
            decision=spec.decision,
            reason=spec.reason,
            data=spec.content_data(),
        )
        row.hash = row.compute_hash()
        prev_hash = row.hash
        rows.append(row)
    created = AuditEvent.objects.bulk_create(rows)
    AuditEventPerson.objects.bulk_create(
        AuditEventPerson(event=row, person_public_id=person)
        for row, spec in zip(created, events, strict=True)
        for person in sorted(spec.person_index())
    )
    return created


def record_event(
    *,
    kind: EventKind,
    actor: Staff | None,
    occurred_at: datetime.datetime,
    ward: Ward | None = None,
    person: Person | None = None,
    measure: SupportMeasure | None = None,
    decision: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    persons: Iterable[str] = (),
) -> AuditEvent:
    """Append one event to the chain. Call it last in the action's own transaction."""
    (event,) = record_events(
        [
            Event(
                kind=kind,
                actor=actor,
                occurred_at=occurred_at,
                ward=ward,
                person_public_id=person.public_id if person else None,
                measure_ref=measure.ref if measure else "",
                decision=decision,
                reason=reason,
                data=data or {},
                persons=tuple(persons),
            )
        ]
    )
    return event


def export_events(
    *, user: Staff, flt: EventFilter, encoding: str, exported_at: datetime.datetime
) -> Iterator[bytes]:
    """Record the export, then stream the events as CSV (UTF-8 with BOM, or CP932).

    The event is committed before the first byte leaves: an export is itself a disclosure.
    """
    from auditlog import export, selectors

    rows = selectors.export_rows(user=user, flt=flt)  # checks the auditor role first
    if encoding not in export.ENCODINGS:
        raise ValueError(encoding)
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.AUDITLOG_EXPORTED,
            actor=user,
            occurred_at=exported_at,
            decision="exported",
            data={"filter": flt.describe(), "encoding": encoding},
        )
    return export.csv_stream(rows, encoding=encoding)
