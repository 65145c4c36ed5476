"""Many valid chained audit events, fast: hashes computed here, rows loaded with COPY.

`generate_events(n, persons=..., staff=..., wards=...)` appends n events after the current
head, under the chain's lock, in one transaction: the result verifies like events written by
`record_events`. COPY is an INSERT to the append-only trigger (which refuses only UPDATE and
DELETE), so nothing about the table is switched off.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection, transaction

from auditlog.actions import CHAIN_LOCK_KEY
from auditlog.models import GENESIS_HASH, AuditEvent, EventKind, canonical_form, format_timestamp
from supportmeasures.models import Person, Staff, Ward

COLUMNS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_username",
    "ward_id",
    "ward_code",
    "kind",
    "person_public_id",
    "measure_ref",
    "decision",
    "reason",
    "data",
    "prev_hash",
    "hash",
)
KINDS = [
    (EventKind.DETAILS_VIEWED, "shown", "窓口での本人確認"),
    (EventKind.DETAILS_ACKNOWLEDGED, "acknowledged", "福祉相談のため"),
    (EventKind.SCREENING_HIT, "counterparty", "registry_search"),
    (EventKind.INQUIRY_CREATED, "created", "他区からの照会"),
    (EventKind.PLAN_APPROVED, "approved", ""),
    (EventKind.MEASURE_EXTENDED, "extended", "延長申出"),
]


def _rows(
    n: int,
    *,
    first_sequence: int,
    prev_hash: str,
    persons: Sequence[uuid.UUID],
    staff: Sequence[Staff],
    wards: Sequence[Ward],
    start_at: datetime.datetime,
    rng: random.Random,
) -> Iterator[tuple[Any, ...]]:
    sha256 = hashlib.sha256
    for offset in range(n):
        sequence = first_sequence + offset
        actor = staff[offset % len(staff)] if offset % 7 and staff else None
        ward = wards[offset % len(wards)]
        # Drawn, not cycled: cycled beside the staff, each clerk would only ever do one kind.
        kind, decision, reason = KINDS[rng.randrange(len(KINDS))]
        person = persons[rng.randrange(len(persons))] if offset % 5 else None
        occurred_at = start_at + datetime.timedelta(microseconds=offset * 1_003)
        data: dict[str, Any] = {"i": offset, "purpose": "registry_search"}
        if offset % 3 == 0:
            data["matches"] = [{"role": "counterparty", "reasons": ["kana", "birth_date"]}]
        measure_ref = f"{ward.code}-2026-{offset % 10_000:04d}" if offset % 2 else ""
        content = {
            "sequence": sequence,
            "occurred_at": format_timestamp(occurred_at),
            "actor_id": actor.pk if actor else None,
            "actor_username": actor.get_username() if actor else "",
            "ward_id": ward.pk,
            "ward_code": ward.code,
            "kind": str(kind),
            "person_public_id": str(person) if person else None,
            "measure_ref": measure_ref,
            "decision": decision,
            "reason": reason,
            "data": data,
            "prev_hash": prev_hash,
        }
        event_hash = sha256(canonical_form(content)).hexdigest()
        yield (
            sequence,
            occurred_at,
            content["actor_id"],
            content["actor_username"],
            ward.pk,
            ward.code,
            content["kind"],
            person,
            measure_ref,
            decision,
            reason,
            json.dumps(data, ensure_ascii=False),
            prev_hash,
            event_hash,
        )
        prev_hash = event_hash


def generate_events(
    n: int,
    *,
    persons: Sequence[Person | uuid.UUID],
    staff: Sequence[Staff],
    wards: Sequence[Ward],
    start_at: datetime.datetime | None = None,
    seed: int = 20261127,
) -> int:
    """Append n chained events after the current head with COPY; return the new head's
    sequence. Actors cycle through `staff` (every 7th event is the system), wards through
    `wards`, and 4 events in 5 name one of `persons`."""
    person_ids = [p.public_id if isinstance(p, Person) else p for p in persons]
    start_at = start_at or datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
        sequence, prev_hash = head if head else (0, GENESIS_HASH)
        rows = _rows(
            n,
            first_sequence=sequence + 1,
            prev_hash=prev_hash,
            persons=person_ids,
            staff=list(staff),
            wards=list(wards),
            start_at=start_at,
            rng=random.Random(seed),
        )
        with connection.cursor() as cursor:
            copy_sql = f"COPY auditlog_auditevent ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
    return sequence + n
