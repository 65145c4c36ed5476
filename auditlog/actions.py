"""The one way to write audit events."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from auditlog.models import GENESIS_HASH, AuditEvent, AuditEventPerson, EventKind, canonical_form

if TYPE_CHECKING:
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


def record_events(events: list[Event]) -> None:
    """Append events to the chain in order. Call it in the action's own transaction: no
    decision without its event, no event without its decision.

    PostgreSQL: the events are sent with the commit, in its round trip, and linked into the
    chain as it commits (migration 0009, auditlog/postgresql/base.py): their sequence numbers
    follow the order of commits, and no writer waits on another's round trips. Until then
    they are not in `AuditEvent`, not even for this transaction (tests, whose transaction
    never commits, link at once). SQLite: linked here, under the write lock an IMMEDIATE
    transaction already holds.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(events[0].kind if events else "")
    if not events:
        return
    rows = [_row(spec) for spec in events]
    if connection.vendor == "postgresql":
        # Only the backend in auditlog/postgresql sends queued events with the commit.
        if not getattr(connection, "sends_audit_events", False):
            raise ImproperlyConfigured("DATABASES ENGINE must be auditlog.postgresql")
        _queue(rows, events)
        return
    if connection.vendor != "sqlite":  # pragma: no cover - other databases are not supported
        raise NotImplementedError(connection.vendor)
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


# The canonical form with the two values only the head can give left as markers: JSON writes
# the NUL character as \u0000, which no stored value can contain (jsonb refuses it).
_PREV_MARK, _SEQUENCE_MARK = "\x00prev", "\x00sequence"
_PREV_JSON, _SEQUENCE_JSON = json.dumps(_PREV_MARK), json.dumps(_SEQUENCE_MARK)
_QUEUE = (
    "INSERT INTO auditlog_pendingevent (text_before, text_between, text_after, people) "
    "VALUES {values}"
)
_QUEUE_VALUES = "(%s, %s, %s, %s::uuid[])"
_APPEND_NOW = "SELECT auditlog_append(%s, %s, %s, %s::uuid[])"


def _hashed_text(row: AuditEvent) -> tuple[str, str, str]:
    """The row's canonical text, cut where the head's hash and sequence go."""
    content = row.content()
    content["prev_hash"], content["sequence"] = _PREV_MARK, _SEQUENCE_MARK
    text = canonical_form(content).decode()
    before, _, rest = text.partition(_PREV_JSON)
    between, _, after = rest.partition(_SEQUENCE_JSON)
    # The marker's quotes go: the hash is written inside quotes, the sequence as a number.
    return before + '"', '"' + between, after


class QueuedEvents:
    """Events of a transaction, each as its canonical text cut where the head's hash and
    sequence go, and its people. The commit sends them (`commit_statement`). They are held
    in Django's on-commit list only so that a savepoint rolled back drops them with it;
    called after the commit, they have nothing left to do."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows

    def __call__(self) -> None:
        return None


def commit_statement(queued: list[QueuedEvents], mogrify: Callable[..., str]) -> str:
    """The statement that queues a transaction's events, sent ahead of its COMMIT; the
    deferred trigger links each one as the transaction commits (`auditlog_append`)."""
    rows = [row for events in queued for row in events.rows]
    values = ", ".join([_QUEUE_VALUES] * len(rows))
    return mogrify(_QUEUE.format(values=values), [value for row in rows for value in row])


def _queue(rows: list[AuditEvent], events: list[Event]) -> None:
    texts: list[list[Any]] = [
        [*_hashed_text(row), sorted(spec.person_index())]
        for row, spec in zip(rows, events, strict=True)
    ]
    if _in_test_transaction():
        # A test's wrapping transaction never commits: link now, as the commit would.
        with connection.cursor() as cursor:
            cursor.executemany(_APPEND_NOW, texts)
        return
    transaction.on_commit(QueuedEvents(texts))


def _in_test_transaction() -> bool:
    blocks = connection.atomic_blocks
    return bool(blocks) and getattr(blocks[0], "_from_testcase", False)


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
) -> None:
    """Append one event to the chain, inside the action's own transaction."""
    record_events(
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
