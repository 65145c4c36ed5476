"""The one way to write an audit event."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection

from auditlog.models import GENESIS_HASH, AuditEvent, EventKind

if TYPE_CHECKING:
    from supportmeasures.models import Person, Staff, SupportMeasure, Ward

# Arbitrary constant naming the chain's advisory lock ("MAMORI" in hex-ish digits).
CHAIN_LOCK_KEY = 0x4D414D4F5249


class AuditOutsideTransaction(RuntimeError):
    """An event must be written in the same transaction as the act it records."""


def _lock_chain() -> None:
    # PostgreSQL: a transaction-scoped advisory lock serialises appends until commit, so two
    # writers can never read the same head. SQLite: IMMEDIATE transactions already do.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    elif connection.vendor != "sqlite":  # pragma: no cover - other databases are not supported
        raise NotImplementedError(connection.vendor)


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
) -> AuditEvent:
    """Append one event to the chain. Call it last in the action's own transaction.

    `data` holds identifiers and codes only, never an address or a phone number.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(kind)
    _lock_chain()
    head = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
    event = AuditEvent(
        sequence=head.sequence + 1 if head else 1,
        prev_hash=head.hash if head else GENESIS_HASH,
        occurred_at=occurred_at,
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        ward=ward if ward is not None else (actor.ward if actor else None),
        kind=kind,
        person_public_id=person.public_id if person else None,
        measure_ref=measure.ref if measure else "",
        decision=decision,
        reason=reason,
        data=data or {},
    )
    event.ward_code = event.ward.code if event.ward else ""
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    return event
