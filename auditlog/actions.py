"""The one way to write audit events."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from auditlog.models import GENESIS_HASH, AuditEvent, AuditEventPerson, EventKind, canonical_form

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
        # The lock is held until commit, and a commit waits for the disk: appends would
        # queue behind each other's flush. So this transaction's commit does not wait (the
        # lock is freed as soon as the commit is in the WAL) and the flush is awaited after
        # it, outside the lock, where concurrent writers share one flush. The WAL is written
        # in order: an event on disk means every event before it is on disk too.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s), set_config('synchronous_commit', 'off', true)",
                [CHAIN_LOCK_KEY],
            )
        transaction.on_commit(_wait_until_durable)
    elif connection.vendor != "sqlite":  # pragma: no cover - other databases are not supported
        raise NotImplementedError(connection.vendor)


def _wait_until_durable() -> None:
    """Return only when the act and its event are on disk, as a synchronous commit would:
    this small transaction writes WAL and commits synchronously, which flushes the WAL up to
    it, and so past the act's commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_logical_emit_message(true, 'mamori.audit', '')")


def _row(spec: Event) -> AuditEvent:
    ward = spec.ward if spec.ward is not None else (spec.actor.ward if spec.actor else None)
    return AuditEvent(
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


def record_events(events: list[Event]) -> list[AuditEvent]:
    """Append events to the chain in order, under one lock. Call it last in the action's
    own transaction: no decision without its event, no event without its decision."""
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(events[0].kind if events else "")
    if not events:
        return []
    rows = [_row(spec) for spec in events]  # built before the lock: it is held briefly
    _lock_chain()
    if connection.vendor == "postgresql" and len(rows) == 1:
        return [_append_one(rows[0], events[0])]
    head = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
    sequence, prev_hash = (head.sequence, head.hash) if head else (0, GENESIS_HASH)
    for row in rows:
        sequence += 1
        row.sequence, row.prev_hash = sequence, prev_hash
        row.hash = row.compute_hash()
        prev_hash = row.hash
    created = AuditEvent.objects.bulk_create(rows)
    AuditEventPerson.objects.bulk_create(
        AuditEventPerson(event=row, person_public_id=person)
        for row, spec in zip(created, events, strict=True)
        for person in sorted(spec.person_index())
    )
    return created


# The canonical form with the two values only the head can give left as markers: JSON writes
# the NUL character as \u0000, which no stored value can contain (jsonb refuses it).
_PREV_MARK, _SEQUENCE_MARK = "\x00prev", "\x00sequence"
_APPEND_ONE = """
WITH head AS (
    SELECT sequence, hash FROM auditlog_auditevent ORDER BY sequence DESC LIMIT 1
), next AS (
    SELECT COALESCE((SELECT sequence FROM head), 0) + 1 AS sequence,
           COALESCE((SELECT hash FROM head), %(genesis)s::text) AS prev_hash
), appended AS (
    INSERT INTO auditlog_auditevent (
        sequence, occurred_at, actor_id, actor_username, ward_id, ward_code, kind,
        person_public_id, measure_ref, decision, reason, data, prev_hash, hash)
    SELECT next.sequence, %(occurred_at)s, %(actor_id)s, %(actor_username)s::text,
           %(ward_id)s, %(ward_code)s::text, %(kind)s::text, %(person)s::uuid,
           %(measure_ref)s::text, %(decision)s::text, %(reason)s::text, %(data)s::jsonb,
           next.prev_hash,
           encode(sha256(convert_to(
               %(before)s::text || next.prev_hash || %(between)s::text
               || next.sequence::text || %(after)s::text, 'UTF8')), 'hex')
    FROM next
    RETURNING id, sequence, prev_hash, hash
), indexed AS (
    INSERT INTO auditlog_auditeventperson (event_id, person_public_id)
    SELECT appended.id, person FROM appended, unnest(%(people)s::uuid[]) AS person
)
SELECT id, sequence, prev_hash, hash FROM appended
"""


def _append_one(row: AuditEvent, spec: Event) -> AuditEvent:
    """One event, appended by one statement that reads the head, hashes and inserts: the
    chain's lock is held for two round trips and a commit, not for a conversation."""
    content = row.content()
    content["prev_hash"], content["sequence"] = _PREV_MARK, _SEQUENCE_MARK
    text = canonical_form(content).decode()
    before, _, rest = text.partition(json.dumps(_PREV_MARK))
    between, _, after = rest.partition(json.dumps(_SEQUENCE_MARK))
    # The marker's quotes go: the hash is written inside quotes, the sequence as a number.
    before, between = before + '"', '"' + between
    with connection.cursor() as cursor:
        cursor.execute(
            _APPEND_ONE,
            {
                "genesis": GENESIS_HASH,
                "occurred_at": row.occurred_at,
                "actor_id": row.actor_id,
                "actor_username": row.actor_username,
                "ward_id": row.ward_id,
                "ward_code": row.ward_code,
                "kind": str(row.kind),
                "person": row.person_public_id,
                "measure_ref": row.measure_ref,
                "decision": row.decision,
                "reason": row.reason,
                "data": canonical_form(row.data).decode(),
                "before": before,
                "between": between,
                "after": after,
                "people": [uuid.UUID(p) for p in sorted(spec.person_index())],
            },
        )
        row.pk, row.sequence, row.prev_hash, row.hash = cursor.fetchone()
    row._state.adding, row._state.db = False, connection.alias
    return row


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

    flt, _people = selectors.with_people(user=user, flt=flt)  # checks the auditor role first
    events = selectors.events_to_export(user=user, flt=flt)
    if encoding not in export.ENCODINGS:
        raise ValueError(encoding)
    with transaction.atomic(durable=True):
        # Indexed by the people exported, so the export shows in each one's history.
        record_event(
            kind=EventKind.AUDITLOG_EXPORTED,
            actor=user,
            occurred_at=exported_at,
            decision="exported",
            data={"filter": flt.describe(), "encoding": encoding},
            persons=flt.person_ids,
        )
    if connection.vendor == "postgresql":
        return export.pg_csv_stream(events, encoding=encoding)
    return export.csv_stream(selectors.export_rows(user=user, flt=flt), encoding=encoding)
